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
  never waits for it (subprocess.run would wait for the pipes to close);
- a bound on what is read of its output (OUTPUT_LIMIT a stream): past it the group is killed.
"""
import os
import selectors
import signal
import subprocess
import time

# What awsmfa reads of a program's output, per stream: its answers are a few lines (a PATH, a
# completer's candidates); a program that prints without end is cut off here, not kept in memory.
OUTPUT_LIMIT = 1 << 20


class Result:
    __slots__ = ("returncode", "stdout", "stderr", "timed_out")

    def __init__(self, returncode, stdout, stderr, timed_out):
        self.returncode, self.stdout, self.stderr, self.timed_out = returncode, stdout, stderr, timed_out


def run(argv, env, timeout, cwd=None, keep_stderr=True, limit=OUTPUT_LIMIT):
    """Run argv as described above; a Result with text output (undecodable bytes replaced).
    OSError (cannot start it) goes to the caller. On timeout, returncode is None and the output
    is what it printed before. Past `limit` bytes on a stream the group is killed and the rest
    never read (returncode: the kill's). Ctrl-C kills the group, then goes on as
    KeyboardInterrupt."""
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE if keep_stderr else subprocess.DEVNULL,
                               start_new_session=True)
    try:
        out, err, timed_out = _collect(process, time.monotonic() + timeout, limit)
    except KeyboardInterrupt:
        # In a session of its own, it did not get the Ctrl-C: end it with us.
        _kill_group(process)
        process.wait()
        raise
    finally:
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()
    return Result(None if timed_out else process.returncode, _text(out), _text(err), timed_out)


def _collect(process, deadline, limit):
    """(stdout, stderr, timed out): read both pipes until they close, the deadline passes or a
    stream passes `limit`; then reap the process. After a kill, a process that left the group
    but holds the pipes open is given up on after a second."""
    kept = {process.stdout: bytearray()}
    if process.stderr:
        kept[process.stderr] = bytearray()
    timed_out, given_up = False, None
    with selectors.DefaultSelector() as selector:
        for stream in kept:
            selector.register(stream, selectors.EVENT_READ)
        while selector.get_map():
            now = time.monotonic()
            if given_up is None and now >= deadline:
                timed_out = True
                _kill_group(process)
                given_up = now + 1
            if given_up is not None and now >= given_up:
                break
            for key, _ in selector.select(max(0.0, (deadline if given_up is None else given_up) - now)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffer = kept[key.fileobj]
                room = limit - len(buffer)
                buffer += chunk[:room]
                if len(chunk) > room:  # more than any answer awsmfa asks for: not read further
                    selector.unregister(key.fileobj)
                    _kill_group(process)
                    given_up = given_up or time.monotonic() + 1
    try:
        process.wait(timeout=max(0.0, deadline - time.monotonic()) if not timed_out else 1)
    except subprocess.TimeoutExpired:
        timed_out = True  # it closed its output but went on running
        _kill_group(process)
        process.wait()
    return bytes(kept[process.stdout]), bytes(kept.get(process.stderr, b"")), timed_out


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
