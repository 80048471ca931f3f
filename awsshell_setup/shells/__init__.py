"""Everything awsmfa knows about each shell, one file per shell (posix, bash, zsh, fish), the
templates they render (template.py, templates/), the running-shell detector (running.py),
and the rc-block format (rcblock.py). This file is the registry: every Shell by name, and
the names callers reach as `shells.NAME` (marked noqa). Never imports the credentials half
nor setup (docs/ARCHITECTURE.md §1)."""

from .template import COMPLETER_COMMENT, load_template  # noqa: F401
from .base import Shell, Target  # noqa: F401
from .posix import PosixShell
from .bash import Bash, sources_bashrc  # noqa: F401
from .zsh import Zsh
from .fish import Fish
from .running import (SUPPORTED, busybox_applet_shell, code_shell_name, running_shell_name,
                      supported_name)  # noqa: F401


SHELLS = {shell.name: shell for shell in (Bash(), Zsh(), Fish(), PosixShell())}


def by_name(name):
    return SHELLS[name]


def detect_running_shell(environ):
    """The shell that runs us (for `env`), and how we know: (Shell, how).

    The running shell wins: the parent process, else the first shell up the tree. $SHELL (the
    login shell, often not the one evaluating our output) counts only when neither is a shell
    we print code for (tcsh, or no shell found); without it, POSIX `export`."""
    found = code_shell_name(running_shell_name())
    if found:
        return SHELLS[found], "detected"
    if supported_name(environ.get("SHELL")):
        return SHELLS[supported_name(environ.get("SHELL"))], "$SHELL"
    return SHELLS["sh"], "fallback"
