"""`awsmfa exec -- COMMAND [ARGS]`: run one command with the session in its environment only.

awsmfa replaces itself with the command (execve), as aws-vault's exec does where it can: the
command has awsmfa's pid, so a signal sent to it (Ctrl-C, `kill`, a CI runner's SIGTERM) is the
command's; its exit status is awsmfa's; nothing of awsmfa stays behind to write on stdout.

The command is found before any session is looked for: a typo costs no MFA code.
"""
import os
import shutil
import signal
import sys

from . import envoutput
from ..core.errors import AwsmfaError

# Python sets these to "ignore" at start; an ignored signal stays ignored across execve, so the
# command would never die of a closed pipe (`awsmfa exec -- yes | head`) or a file size limit.
# Put back what a shell gives the commands it starts.
_PYTHON_IGNORES = tuple(getattr(signal, name) for name in ("SIGPIPE", "SIGXFSZ") if hasattr(signal, name))


class CommandNotFound(AwsmfaError):
    exit_code = 127  # what shells exit with for a command they cannot find


class CommandNotExecutable(AwsmfaError):
    exit_code = 126  # ... and for one they found but cannot run


def find(program, environ):
    """The path execve will run for `program`, looked up on the PATH the command will have."""
    if "/" in program:
        if not os.path.isfile(program):
            raise CommandNotFound(f"cannot run {program}: not found")
        if not os.access(program, os.X_OK):
            raise CommandNotExecutable(f"cannot run {program}: not executable", hint="chmod +x it, or check the path")
        return program
    path = shutil.which(program, path=environ.get("PATH", os.defpath))
    if path is None:
        raise CommandNotFound(f"cannot run {program}: command not found on PATH", hint="check its name and PATH")
    return path


def environment(outcome, environ):
    """The command's environment: this one, changed as `eval "$(awsmfa env)"` changes a shell."""
    removed, assigned = envoutput.changes(outcome, environ)
    result = {name: value for name, value in environ.items() if name not in removed}
    result.update(assigned)
    return result


def replace_process(path, argv, environ):
    """Become the command; returns only by raising (one line, exit 126) when execve fails."""
    for number in _PYTHON_IGNORES:
        signal.signal(number, signal.SIG_DFL)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(path, argv, environ)
    except OSError as error:  # ENOEXEC (a script without #!), EACCES, ...
        raise CommandNotExecutable(f"cannot run {argv[0]}: {error.strerror}") from None
