"""A program the user configured, run with the user's terminal: a token command or mfa_process
(codesource.py), a secret store's credential_process (keyprocess.py).

Both run the same way, for the same reasons:
- stdin and stderr are the terminal (/dev/tty) when there is one, so the program can ask for
  a passphrase, a PIN or a touch even when awsmfa runs as a credential_process, whose stderr
  the AWS CLI captures (aws-vault #1267); else stdin is /dev/null and stderr is awsmfa's (cron,
  CI). With a terminal the program stays in awsmfa's process group, so Ctrl-C reaches it;
- stdout is captured: it is the answer (a code, or keys);
- within a time bound, then it is killed; with no terminal it runs in a session of its own and
  all of it is killed (a `sleep` left behind by `sh -c` would hold awsmfa's stderr open, and
  the AWS CLI reading it would hang).
The caller words every failure: only it knows what the program was for, and it names the
program, never its arguments or output (they may hold a TOTP seed or keys).
"""
import os
import signal
import subprocess

from ..core.errors import Cancelled


class Unrunnable(Exception):
    """The program could not be started: `why` ("was not found: NAME", ...) and a `hint`."""

    def __init__(self, why, hint=None):
        super().__init__(why)
        self.why, self.hint = why, hint


class TimedOut(Exception):
    """The program gave no answer within the bound; it has been killed."""


def run(argv, environ, timeout, program):
    """(exit status, stdout bytes) of `argv`; `program` is what failures name."""
    reader, writer = _terminal_ends()
    alone = writer is None  # no terminal: a session of its own, killed as a whole
    try:
        try:
            process = subprocess.Popen(argv, stdin=reader or subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=writer, env=dict(environ),  # stderr None: awsmfa's own
                                       start_new_session=alone)
        except FileNotFoundError:
            raise Unrunnable(f"was not found: {program}", "install it, or fix the command") from None
        except PermissionError:
            raise Unrunnable(f"cannot be run: {program} is not executable", "check its path and mode") from None
        except OSError as error:
            raise Unrunnable(f"cannot be run: {program}: {error.strerror}") from None
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(process, alone)
            raise TimedOut() from None
        except KeyboardInterrupt:
            _stop(process, alone)
            raise Cancelled("cancelled") from None
    finally:
        for handle in (reader, writer):
            if handle is not None:
                handle.close()
    return process.returncode, output


def _terminal_ends():
    """(stdin, stderr) for the program: the terminal when there is one, else (None, None)."""
    try:
        reader = open("/dev/tty", "rb", buffering=0)
    except OSError:
        return None, None
    try:
        writer = open("/dev/tty", "wb", buffering=0)
    except OSError:
        reader.close()
        return None, None
    return reader, writer


def _stop(process, alone):
    try:
        if alone:
            os.killpg(process.pid, signal.SIGKILL)  # its session's group: the pid is its id
        else:
            process.kill()
    except OSError:
        pass  # already gone
    process.wait()
    process.stdout.close()
