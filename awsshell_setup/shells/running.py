"""Which shell runs awsmfa: the one detection behind `env` (which code to print) and `install`
without --shell (which shell to set up), by name; each caller decides what the name is worth.
Cheap on purpose: `env`'s cached path runs it (one /proc read; shellingham only when that
does not answer)."""

import os


SUPPORTED = ("bash", "zsh", "fish")


def supported_name(candidate):
    """'bash', 'zsh' or 'fish' for a path or process name of one of them ('-bash' too), else None."""
    base = os.path.basename(candidate or "").lower().lstrip("-")
    return base if base in SUPPORTED else None


# Shells that read POSIX `export NAME='value'` (PosixShell's code) and not bash's, zsh's or
# fish's own: the Bourne family (dash is Debian's and Ubuntu's /bin/sh, ash and hush are
# busybox's) and the Korn shells. A process name is cut at 15 characters; these are shorter.
_POSIX_NAMES = frozenset({"sh", "dash", "ash", "hush", "ksh", "ksh93", "mksh", "lksh", "pdksh", "oksh", "posh",
                          "yash"})


def code_shell_name(candidate):
    """The shell whose code a process or path named `candidate` evaluates: 'bash', 'zsh',
    'fish', or 'sh' for any POSIX shell; None when it is no shell we print code for."""
    known = supported_name(candidate)
    if known:
        return known
    base = os.path.basename(candidate or "").lower().lstrip("-")
    return "sh" if base in _POSIX_NAMES else None


def shellingham_name():
    """What shellingham finds up the process tree: the raw name, or None when it cannot tell."""
    try:
        import shellingham  # imports subprocess: only when cheaper ways did not answer

        return shellingham.detect_shell()[0]
    except Exception:  # ShellDetectionFailure, or anything odd in /proc
        return None


def busybox_applet_shell(argv):
    """'sh' when a busybox command line (`busybox sh -c ...`) runs one of its shells, else None.
    busybox run through a link (/bin/sh -> busybox) has the link's name already."""
    applet = os.path.basename(argv[1]) if len(argv) > 1 else ""
    return "sh" if applet in ("sh", "ash", "hush") else None


def _parent_process_shell():
    """The parent's process name from /proc (Linux) when it is a shell we print code for
    ('bash', '-zsh', 'dash'; busybox's shell applet as 'sh'), else None. In
    `eval "$(awsmfa env)"` the parent is the shell that evaluates the output, so it decides the
    syntax, whatever $SHELL says (`sh -c` under a fish login). One read here spares `env`
    shellingham's import of subprocess (~10 ms). Elsewhere (macOS, a wrapper such as `timeout`
    in between) shellingham walks the process tree."""
    parent = os.getppid()
    try:
        with open(f"/proc/{parent}/comm") as handle:
            name = handle.read().strip()
        if name == "busybox":
            with open(f"/proc/{parent}/cmdline", "rb") as handle:
                argv = handle.read().decode("utf-8", "replace").split("\0")
            return busybox_applet_shell(argv)
    except OSError:
        return None
    return name if code_shell_name(name) else None


def running_shell_name():
    """The process name of the shell awsmfa runs under ('bash', '-zsh', 'dash', 'tcsh'), or None
    when none is found: the parent when it is a shell we print code for, else the first shell
    up the process tree. The one detection behind `env` (detect_running_shell) and `install`
    without --shell (scope.running_shell), each of which decides what the name is worth."""
    return _parent_process_shell() or shellingham_name()
