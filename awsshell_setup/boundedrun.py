"""Running a program awsmfa does not control: a completer, a shim's manager, zsh reading the
account's ~/.zshenv, the account's login shell.

Such a program may be the account's own (with --user, the job runs as the account and runs
what the account's PATH finds), so it gets nothing of the terminal awsmfa was started from:
- a session of its own (start_new_session): no controlling terminal, so it can neither open
  /dev/tty to read the keys typed there nor push keys into that terminal's input (TIOCSTI,
  which the kernel allows only on the caller's controlling terminal);
- standard input /dev/null, standard output and error captured (never the terminal's);
- a time bound over its whole process group: on timeout the group is killed, and a process
  that left the group but holds the pipes open is given up on after a second, so awsmfa
  never waits for it (subprocess.run would wait for the pipes to close).
"""
import os
import signal
import subprocess


class Result:
    __slots__ = ("returncode", "stdout", "stderr", "timed_out")

    def __init__(self, returncode, stdout, stderr, timed_out):
        self.returncode, self.stdout, self.stderr, self.timed_out = returncode, stdout, stderr, timed_out


def run(argv, env, timeout, cwd=None, keep_stderr=True):
    """Run argv as described above; a Result with text output (undecodable bytes replaced).
    OSError (cannot start it) goes to the caller. On timeout, returncode is None and the output
    is what it printed before. Ctrl-C kills the group, then goes on as KeyboardInterrupt."""
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE if keep_stderr else subprocess.DEVNULL,
                               start_new_session=True)
    timed_out = False
    try:
        out, err = process.communicate(timeout=timeout)
    except KeyboardInterrupt:
        # In a session of its own, it did not get the Ctrl-C: end it with us.
        _kill_group(process)
        process.wait()
        raise
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(process)
        try:
            out, err = process.communicate(timeout=1)  # whatever it printed: an answer may be there
        except subprocess.TimeoutExpired:
            out, err = b"", b""
            for stream in (process.stdout, process.stderr):
                if stream:
                    stream.close()
            process.wait()
    return Result(None if timed_out else process.returncode, _text(out), _text(err), timed_out)


def _kill_group(process):
    """The program and whatever it left running (an agent, a `sleep &`). Not reaped yet, so its
    group id is still its own and names no one else's processes."""
    if process.returncode is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass


def _text(data):
    return (data or b"").decode("utf-8", "replace")
