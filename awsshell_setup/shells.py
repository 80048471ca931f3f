"""Everything awsmfa knows about each shell, in one class per shell.

No `if shell == "fish"` anywhere else (awsume's tangle): callers ask the Shell object.
"""
import os
import re
import shlex

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Shell:
    name = None

    def assignment(self, variable, value):
        raise NotImplementedError

    def exports(self, variables):
        """Shell code that exports each (name, value) pair into the calling shell."""
        lines = []
        for variable, value in variables:
            if not _NAME.match(variable):
                raise ValueError(f"not a variable name: {variable!r}")
            lines.append(self.assignment(variable, value))
        return "".join(line + "\n" for line in lines)


class PosixShell(Shell):
    """sh, dash, ksh and whatever we cannot name: POSIX `export` with shlex quoting."""

    name = "sh"

    def assignment(self, variable, value):
        return f"export {variable}={shlex.quote(value)}"


class Bash(PosixShell):
    name = "bash"


class Zsh(PosixShell):
    name = "zsh"


class Fish(Shell):
    name = "fish"

    def assignment(self, variable, value):
        # fish single quotes treat only \\ and \' specially; shlex's '"'"' dance works too,
        # but shlex leaves backslashes alone and fish would eat them. -g: `set -x` inside
        # sourced text in a function stays local to that function.
        escaped = value.replace("\\", "\\\\").replace("'", "\\'")
        return f"set -gx {variable} '{escaped}';"


SHELLS = {shell.name: shell for shell in (Bash(), Zsh(), Fish(), PosixShell())}
SUPPORTED = ("bash", "zsh", "fish")


def by_name(name):
    return SHELLS[name]


def _known(candidate):
    base = os.path.basename(candidate or "").lower().lstrip("-")
    return base if base in SUPPORTED else None


def detect_running_shell(environ):
    """The shell that runs us (for `env`), and how we know: (Shell, how)."""
    try:
        import shellingham  # only when --shell was not given

        name, _ = shellingham.detect_shell()
        if _known(name):
            return SHELLS[_known(name)], "detected"
    except Exception:  # ShellDetectionFailure, or anything odd in /proc: fall through
        pass
    if _known(environ.get("SHELL")):
        return SHELLS[_known(environ.get("SHELL"))], "$SHELL"
    return SHELLS["sh"], "fallback"
