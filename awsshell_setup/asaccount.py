"""Root's `--user NAME`: the whole job runs in a child process that has become NAME.

Root could check each path before writing, but an account controls its own home and can swap
a file for a link between any check and the write (it can even hold the lock awsmfa takes on
its folder, to make the race certain). So the job is not done by root at all: a child process
drops to the account's uid, gid and groups, as runuser and setpriv do, before it opens anything,
and then runs the very code a plain user runs. The kernel then enforces what root's checks could
only approximate: the child reads, writes and runs only what the account may, and the
completer, the shim managers and the login shell it runs run as the account, never as root.

Before dropping, the child imports every module the job needs and reads the shell templates:
the package (and Python itself) may live where the account cannot read, under /root.

The child also leaves root's terminal session (setsid) before it drops: a process of the
account's that shared root's controlling terminal could open /dev/tty and push keys into it
(TIOCSTI), which root's shell would run once awsmfa exits. It keeps the standard streams, so
it still prints there and reads the answer to its question (a terminal that is not a process's
controlling terminal can still be read and written through an open descriptor), and everything
it runs gets none of them (boundedrun). The parent only waits: it passes Ctrl-C, SIGTERM and
SIGHUP on to the child, which cancels as usual, and exits with the child's status. The account
can signal its own processes, the child included: a child stopped (SIGSTOP) would leave root
waiting for ever, so the parent kills it and says so.
"""
import os
import pwd
import signal
import sys

from .errors import AwsmfaError, Cancelled, FileProblem, UsageError
from .paths import printable

# What the parent passes on to the child, which is no longer in the terminal's process group.
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def other_account(user):
    """The passwd entry of `--user NAME` when NAME is another account than the one running
    awsmfa (root only); None when the job runs right here (no --user)."""
    if user is None:
        return None
    if not user.strip():
        # `--user "$NAME"` with NAME unset in a cloud-init script must not mean root's own files.
        raise UsageError("--user: empty account name; name the account (--user NAME), or leave --user out")
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        if user.isdigit():
            raise UsageError(f"--user {user}: no account has that name; give the account's name, not its uid")
        raise UsageError(f"--user {printable(user)}: no such user")
    euid = os.geteuid()
    if entry.pw_uid == euid:
        return None
    if euid != 0:
        raise UsageError(f"--user {user} needs root: run it as root (sudo awsmfa ... --user {user})")
    if not os.path.isdir(entry.pw_dir):
        raise FileProblem(f"--user {user}: home folder {entry.pw_dir} does not exist")
    return entry


def describe(entry):
    return f"as {entry.pw_name} (uid {entry.pw_uid}): working in {entry.pw_name}'s home {entry.pw_dir} " \
           f"with {entry.pw_name}'s rights"


def run(entry, job):
    """Run job() in a child process that is the account; return the child's exit status.

    job returns the exit status; an AwsmfaError it raises becomes the usual one line."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # or the child would print the parent's buffered text again
    # Ignored until the child exists, so that a signal now is not lost to the default action.
    before = {number: signal.signal(number, signal.SIG_IGN) for number in _FORWARDED}
    pid = os.fork()
    if pid == 0:
        _child(entry, job, before)  # never returns
    try:
        for number in _FORWARDED:
            signal.signal(number, lambda number, frame: _forward(pid, number))
        status = _wait(pid, entry)
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)  # as a shell reports it
    return os.WEXITSTATUS(status)


def _wait(pid, entry):
    """The child's exit status. A stopped child (only the account, or root, can stop it: it is
    in a session of its own) is killed, and that is said in one line."""
    while True:
        try:
            _, status = os.waitpid(pid, os.WUNTRACED)
        except InterruptedError:
            continue
        if not os.WIFSTOPPED(status):
            return status
        _forward(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        sys.stderr.write(f"awsmfa: error: the process working as {entry.pw_name} was stopped (signal "
                         f"{os.WSTOPSIG(status)}), so root ended it; a program of {entry.pw_name}'s (its "
                         f"aws_completer or startup files) may have stopped it: check them, then run awsmfa "
                         f"again\n")
        return 1 << 8  # exit status 1, as os.waitpid reports it


def _forward(pid, number):
    try:
        os.kill(pid, number)
    except OSError:
        pass


def _child(entry, job, handlers):
    status = 1
    try:
        for number, handler in handlers.items():
            signal.signal(number, handler)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setsid()  # out of root's terminal session: see the module's docstring
        _preload()
        become(entry)
        status = job()
    except AwsmfaError as error:
        sys.stderr.write(f"awsmfa: error: {error}\n")
        status = error.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"\nawsmfa: {Cancelled('cancelled')}\n")
        status = 130
    except BrokenPipeError:
        status = 1  # standard output was closed (`| head -c0`): nobody reads the rest
        sys.stdout = open(os.devnull, "w")
    except SystemExit as error:
        status = error.code if isinstance(error.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
        except BaseException:
            pass
        try:
            sys.stderr.flush()
        except BaseException:
            pass
        os._exit(status if isinstance(status, int) and 0 <= status < 256 else 1)


def become(entry):
    """Turn this process into the account for good: groups, gid, uid (real, effective, saved),
    then the account's home and environment. Verified: root cannot be taken back."""
    name, uid, gid, home = entry.pw_name, entry.pw_uid, entry.pw_gid, entry.pw_dir
    # Nothing root opened goes along (the standard streams stay: they are the user's terminal).
    os.closerange(3, 65536)
    try:
        os.setgroups(os.getgrouplist(name, gid))
        if hasattr(os, "setresuid"):
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
        else:  # macOS: as root, setgid/setuid set the real, effective and saved ids alike
            os.setgid(gid)
            os.setuid(uid)
    except OSError as error:
        raise FileProblem(f"cannot become {name}: {error.strerror}")
    if not _dropped_for_good(uid, gid):
        sys.stderr.write(f"awsmfa: error: {AwsmfaError(f'could not drop root to become {name}')}\n")
        os._exit(1)
    kept = {key: value for key, value in os.environ.items()
            if key in ("TERM", "LANG", "LANGUAGE") or key.startswith("LC_")}
    os.environ.clear()
    os.environ.update(kept, HOME=home, USER=name, LOGNAME=name, SHELL=entry.pw_shell or "/bin/sh")
    from . import loginshell

    os.environ["PATH"] = loginshell.login_path(uid)
    try:
        os.chdir(home)
    except OSError as error:
        raise FileProblem(f"{name} cannot enter its home folder {home}: {error.strerror}")
    # The PATH the account's new shells have (its login shell, asked as the account): what it
    # finds there is what its Tab and `mfa` will find.
    answer = loginshell.ask(home, os.environ, uid)
    if answer.path:
        os.environ["PATH"] = answer.path


# Never needed by install, uninstall or status (they call no AWS API), and slow to import.
_NOT_NEEDED = ("botocore", "boto3", "moto", __package__ + ".localaws", __package__ + ".sts",
               __package__ + ".__main__")


def _dropped_for_good(uid, gid):
    """True when this process is uid/gid in every id it holds and cannot take root back."""
    try:
        os.setuid(0)
        return False
    except PermissionError:
        pass
    if hasattr(os, "getresuid"):
        return os.getresuid() == (uid, uid, uid) and os.getresgid() == (gid, gid, gid)
    return (os.getuid(), os.geteuid(), os.getgid(), os.getegid()) == (uid, uid, gid, gid)


def _preload():
    """Everything the job may import or read from the package, loaded while still root: every
    module of the package and whatever any of them imports, at the top or inside a function
    (found in their source, so a new lazy import is covered too), and the shell templates."""
    import ast
    import codecs
    import importlib
    import locale
    import pkgutil
    import traceback  # noqa: F401 (for a crash in the child)

    folder = os.path.dirname(os.path.abspath(__file__))
    wanted = set()
    for info in pkgutil.iter_modules([folder]):
        module = f"{__package__}.{info.name}"
        if info.ispkg or _skipped(module):
            continue
        wanted.add(module)
        try:
            with open(os.path.join(folder, info.name + ".py"), encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
        except (OSError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                wanted.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level:
                base = __package__ + (f".{node.module}" if node.module else "")
                wanted.add(base)
                wanted.update(f"{base}.{alias.name}" for alias in node.names)  # a submodule, or not
            elif isinstance(node, ast.ImportFrom):
                wanted.add(node.module)
    for module in sorted(wanted):
        if not _skipped(module):
            try:
                importlib.import_module(module)
            except ImportError:
                pass  # a name, not a module (`from . import debug as ...` covers both)
    for encoding in ("utf-8", "ascii", "latin-1", locale.getpreferredencoding(False)):
        try:
            codecs.lookup(encoding)
        except LookupError:
            pass
    from . import shells

    for shell in shells.SHELLS.values():
        if shell.template:
            shells.load_template(shell.template)  # read now, kept for the rest of the process


def _skipped(module):
    return any(module == name or module.startswith(name + ".") for name in _NOT_NEEDED)
