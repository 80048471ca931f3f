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
waiting for ever, so the parent kills it and says so; and a child that does not end within
JOB_TIMEOUT_SECONDS (something of the account's that blocks it: a FIFO, a lock it holds) is
ended too, in one line, so no hang of this kind can stall provisioning.

Everything the child prints reaches root's terminal through one boundary: its standard output
and error are wrapped before it does anything else, and every character written there that
does not print is escaped (paths.printable, line form). So whatever the account puts in a
file or a program's output that the job shows (completer errors, the PATH answer, section
names, diff lines) cannot move root's cursor, erase lines, set the title or make the terminal
answer into root's shell.
"""
import io
import os
import pwd
import signal
import sys

from ..core.errors import AwsmfaError, Cancelled, FileProblem, UsageError
from ..core.paths import printable

# What the parent passes on to the child, which is no longer in the terminal's process group.
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# The whole --user job: it takes seconds (a few bounded programs), so a bound in minutes only
# ever cuts a hang. AWSMFA_USER_JOB_TIMEOUT (seconds) changes it, for tests.
JOB_TIMEOUT_SECONDS = 600
# What the account's programs get of the locale: the system's default for every login (what
# pam_env gives a new session before the account's own startup files), never root's.
_LOCALE_FILES = ("/etc/default/locale", "/etc/locale.conf")


class _TimedOut(Exception):
    pass


class _Escaped(io.TextIOBase):
    """One of the child's standard streams, as root's terminal gets it: see the module's
    docstring. Escaping is character by character, so a write of any size, a prompt without
    its newline, or a line written in pieces all come out the same."""

    def __init__(self, stream):
        super().__init__()
        self._stream = stream

    @property
    def encoding(self):
        return getattr(self._stream, "encoding", "utf-8")

    @property
    def errors(self):
        return getattr(self._stream, "errors", "strict")

    def writable(self):
        return True

    def isatty(self):
        return self._stream.isatty()  # the go-ahead question is asked only of a person

    def write(self, text):
        self._stream.write("\n".join(printable(piece, line=True) for piece in text.split("\n")))
        return len(text)

    def flush(self):
        self._stream.flush()


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
    bound = job_timeout()
    pid = os.fork()
    if pid == 0:
        _child(entry, job, before)  # never returns
    alarm = signal.getsignal(signal.SIGALRM)
    try:
        for number in _FORWARDED:
            signal.signal(number, lambda number, frame: _forward(pid, number))
        signal.signal(signal.SIGALRM, _time_is_up)
        signal.setitimer(signal.ITIMER_REAL, bound)
        status = _wait(pid, entry, bound)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, alarm)
        for number, handler in before.items():
            signal.signal(number, handler)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)  # as a shell reports it
    return os.WEXITSTATUS(status)


def job_timeout():
    """JOB_TIMEOUT_SECONDS, or AWSMFA_USER_JOB_TIMEOUT when that is a positive number."""
    try:
        value = float(os.environ.get("AWSMFA_USER_JOB_TIMEOUT", ""))
    except ValueError:
        return JOB_TIMEOUT_SECONDS
    return value if 0 < value < 10 ** 6 else JOB_TIMEOUT_SECONDS


def _time_is_up(number, frame):
    raise _TimedOut()


def _wait(pid, entry, bound):
    """The child's exit status. A stopped child (only the account, or root, can stop it: it is
    in a session of its own), or one still running after `bound` seconds, is killed with the
    programs it started (_end), and that is said in one line."""
    while True:
        try:
            _, status = os.waitpid(pid, os.WUNTRACED)
        except InterruptedError:
            continue
        except _TimedOut:
            _end(pid)
            sys.stderr.write(f"awsmfa: error: the process working as {entry.pw_name} did not finish within "
                             f"{bound:g} s, so root ended it; something of {entry.pw_name}'s (a FIFO or a "
                             f"device in place of a file awsmfa reads, a lock it holds) may block it: check "
                             f"them, then run awsmfa again\n")
            return 1 << 8
        if not os.WIFSTOPPED(status):
            return status
        _end(pid)
        sys.stderr.write(f"awsmfa: error: the process working as {entry.pw_name} was stopped (signal "
                         f"{os.WSTOPSIG(status)}), so root ended it; a program of {entry.pw_name}'s (its "
                         f"aws_completer or startup files) may have stopped it: check them, then run awsmfa "
                         f"again\n")
        return 1 << 8  # exit status 1, as os.waitpid reports it


def _end(pid):
    """Kill the child, its process group (it leads a session of its own) and the groups of the
    programs it started (boundedrun gives each a session of its own, and bounds it in time
    only while the child waits for it), then reap it. No timer may interrupt the reaping."""
    signal.setitimer(signal.ITIMER_REAL, 0)
    _forward(pid, signal.SIGSTOP)  # so that it starts nothing new while its programs are found
    for each in [pid] + _descendants(pid):
        try:
            os.killpg(each, signal.SIGKILL)
        except OSError:
            pass  # not the leader of a group: killed with the one it is in, or below
        _forward(each, signal.SIGKILL)
    while True:
        try:
            os.waitpid(pid, 0)
            return
        except InterruptedError:
            continue
        except ChildProcessError:
            return


def _descendants(pid):
    """The processes under `pid` (Linux: /proc), children before their own children."""
    children = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                parent = int(handle.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], list(children.get(pid, []))
    while todo:
        each = todo.pop(0)
        found.append(each)
        todo += children.get(each, [])
    return found


def _forward(pid, number):
    try:
        os.kill(pid, number)
    except OSError:
        pass


def _child(entry, job, handlers):
    status = 1
    # First of all: see the module's docstring.
    sys.stdout, sys.stderr = _Escaped(sys.stdout), _Escaped(sys.stderr)
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
    close_inherited()
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
    # Nothing of root's environment: the locale is the one every login gets (the account's
    # login shell then sets its own from its startup files), and TERM says "dumb": the account's
    # programs never get a terminal (boundedrun), so root's TERM would describe nothing they
    # can reach, and an interactive startup file asked for PATH then draws no colours or titles.
    locale = system_locale()
    os.environ.clear()
    os.environ.update(locale, TERM="dumb", HOME=home, USER=name, LOGNAME=name, SHELL=entry.pw_shell or "/bin/sh")
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


def close_inherited():
    """Close every descriptor above the standard streams, however high (root's limit on open
    files may be far above 65536): those the kernel lists as open, then a range in case it
    cannot list them (no /proc)."""
    os.closerange(3, 65536)
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            listed = [int(name) for name in os.listdir(folder) if name.isdigit()]
        except OSError:
            continue
        for fd in listed:
            if fd > 2:
                try:
                    os.close(fd)
                except OSError:
                    pass  # the listing's own descriptor, closed already
        return


def system_locale():
    """LANG, LANGUAGE and LC_* as the system sets them for every login (root's files), with
    values of the characters locale names use; {} when none is set."""
    found = {}
    for path in _LOCALE_FILES:
        try:
            with open(path, "rb") as handle:
                text = handle.read(16384).decode("utf-8", "replace")
        except OSError:
            continue
        for line in text.splitlines():
            key, equals, value = line.strip().partition("=")
            value = value.strip().strip('"\'')
            if equals and (key in ("LANG", "LANGUAGE") or key.startswith("LC_")) and key.replace("_", "").isalnum() \
                    and value and all(each.isalnum() or each in "._-@:" for each in value):
                found.setdefault(key, value)
    return found


# Never needed by install, uninstall or status (they call no AWS API), and slow to import.
# The package this module is part of (it sits in the subpackage setup/).
_TOP = __name__.split(".")[0]
_NOT_NEEDED = ("botocore", "boto3", "moto", _TOP + ".localaws", _TOP + ".sessions.sts",
               _TOP + ".__main__")


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
    import traceback  # noqa: F401 (for a crash in the child)

    wanted = set()
    for module, package, path in _package_sources():
        wanted.add(module)
        try:
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
        except (OSError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                wanted.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
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
    from . import loginshell
    from .. import shells

    for shell in shells.SHELLS.values():
        if shell.template:
            shells.load_template(shell.template)  # read now, kept for the rest of the process
    loginshell.install_source()  # where root's awsmfa came from, for the administrator's advice


def _package_sources():
    """(module, its package, file) for every module of the package and of its subpackages, the
    skipped ones left out (their folders are not even walked)."""
    folder = os.path.dirname(os.path.abspath(sys.modules[_TOP].__file__))
    for here, folders, names in os.walk(folder):
        relative = os.path.relpath(here, folder)
        package = _TOP if relative == os.curdir else _TOP + "." + relative.replace(os.sep, ".")
        folders[:] = sorted(name for name in folders if os.path.isfile(os.path.join(here, name, "__init__.py"))
                            and not _skipped(f"{package}.{name}"))
        for name in sorted(names):
            if name.endswith(".py"):
                module = package if name == "__init__.py" else f"{package}.{name[:-3]}"
                if not _skipped(module):
                    yield module, package, os.path.join(here, name)


def _skipped(module):
    return any(module == name or module.startswith(name + ".") for name in _NOT_NEEDED)
