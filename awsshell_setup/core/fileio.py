"""The only way awsmfa writes a user's file: locked, atomic, through symlinks, mode kept.

- The lock is an flock on the folder that holds the real file, so two `mfa` in two tabs, or
  Terraform calling credential_process in parallel, take turns (aws-cli #9632 lost data
  without one). Locking the folder leaves no lock file behind in ~/.aws or $HOME. Anyone who
  may read the folder can flock it too (a home of 0755): a lock held by another account's
  process is no awsmfa of ours, so awsmfa does not wait for it and says whose it is.
- The new content goes to a temporary file in the same folder, created 0600 by mkstemp (so
  a secret is never readable at the umask's mode, not even for an instant), chmod'ed to the
  final mode, fsync'ed, then os.replace'd over the real file, and the folder fsync'ed.
- The final mode is the old file's; a new file gets 0666 & ~umask (credentials: 0600 always).
- A symlinked file (stow, chezmoi, yadm) is written through to its target; the link stays.
- A file that is a mount point (Docker's `-v ~/.aws/credentials:...`, a bind-mounted .zshrc)
  cannot be replaced: rename() fails with EBUSY. Then, and only then, the file is written in
  place (see _write_in_place for what that costs).
- Temporary files a killed run left behind carry a fixed suffix and are swept under the lock.
"""
import errno
import fcntl
import os
import stat
import time

from .debug import log
from .errors import ASKED_NOTHING, FileProblem
from .paths import printable

TEMP_SUFFIX = ".awsmfa-tmp"
LOCK_TIMEOUT_SECONDS = 15.0
# Real credentials and config files are a few KB (a thousand SSO profiles make ~200 KB). Past
# this, awsmfa refuses rather than spend seconds and hundreds of MB parsing (a 45 MB file took
# 98 s and 2 GB), and it never reads further: /dev/zero behind a symlink costs nothing.
MAX_FILE_BYTES = 2 * 2**20


def real_path(path):
    """The file a (possibly symlinked, possibly chained) path finally names."""
    return os.path.realpath(path)


class FileKind:
    """What a caller of read_text reads, in its refusals: what such a file is ("too big for a
    shell startup file"), the size past which it is refused, and the word its messages use for
    a directory ("folder" in the installer's, which speaks of folders throughout)."""

    __slots__ = ("name", "limit", "directory")

    def __init__(self, name, limit, directory="directory"):
        self.name, self.limit, self.directory = name, limit, directory


AWS_FILE = FileKind("an AWS credentials or config file", MAX_FILE_BYTES)


def read_text(path, absent="", kind=AWS_FILE):
    """The file's text, or `absent` when there is no file (a dangling symlink is not 'no
    file': it is refused). Refuses clearly, in one line that ends with what awsmfa did not do,
    without blocking or reading without end: a directory, a FIFO or device (a FIFO would block
    the open, /dev/zero would never end), a file over kind.limit, and non-UTF-8 text.
    kind: what the file is meant to be, for the messages (FileKind)."""
    shown = printable(path)
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if not os.path.islink(path):
            return absent  # also when it was removed since the caller looked (a parallel uninstall)
        raise _dangling(path, shown)
    except IsADirectoryError:
        raise _not_a_file(shown, kind)
    except PermissionError:
        raise FileProblem(f"cannot read {shown}{_link_note(path)}: permission denied",
                          hint="give yourself read access to it, or move it out of the way")
    except OSError as error:
        raise FileProblem(f"cannot read {shown}{_link_note(path)}: {error.strerror}")
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _not_a_file(shown, kind)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem(f"{shown}{_link_note(path)} is not a regular file (a FIFO, socket or device), so "
                              "awsmfa read nothing from it", hint="replace it with a plain text file")
        if info.st_size > kind.limit:
            raise _too_big(shown, kind)
        # Bounded even if the file grows meanwhile.
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(kind.limit + 1)
    except OSError as error:
        raise FileProblem(f"cannot read {shown}: {error.strerror}")
    finally:
        os.close(fd)
    if len(data) > kind.limit:
        raise _too_big(shown, kind)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileProblem(f"{shown} is not UTF-8 text (byte {error.start})")


def read_head(path, limit):
    """The first `limit` bytes of a regular file, or None when it cannot be read or is no
    regular file. For a program's first lines (a `#!` line, a shim), which may be another
    account's: opened without blocking, so a FIFO swapped in after the caller looked at the
    path cannot stall awsmfa (or root's --user job) waiting for a writer."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _link_note(path):
    """' (a link to TARGET)' when `path` is a symlink: the refusal is about where it leads."""
    try:
        return f" (a link to {printable(os.readlink(path))})" if os.path.islink(path) else ""
    except OSError:
        return ""


def _dangling(path, shown):
    try:
        target = printable(os.readlink(path))
    except OSError:
        target = "a file"  # replaced again meanwhile
    return FileProblem(f"{shown} is missing (a dangling symlink): it points to {target}, which does not exist",
                       hint="create the target or remove the link")


def _not_a_file(shown, kind):
    return FileProblem(f"{shown} is a {kind.directory}, not a file")


def _too_big(shown, kind):
    return FileProblem(f"{shown} is over {kind.limit // 2**20} MiB, too big for {kind.name}; awsmfa read no "
                       "further", hint="check that it is the file you meant, or trim it")


class locked:
    """Hold an exclusive lock for the folder holding `path`'s real file: `with locked(path): ...`.

    A class rather than a contextlib.contextmanager: contextlib costs ~3 ms to import, and this
    module is on the cached path of `env` (which only reads).
    """

    def __init__(self, path, timeout=LOCK_TIMEOUT_SECONDS):
        self.folder = os.path.dirname(real_path(path)) or "."
        self.timeout = timeout
        self.fd = None

    def __enter__(self):
        deadline = time.monotonic() + self.timeout
        while not self._try_once(deadline):
            pass  # the folder was replaced while we waited: lock the one at that path now
        try:
            _sweep_temporaries(self.folder)
        except BaseException:
            self._release()
            raise
        return self

    def _try_once(self, deadline):
        """Open the folder and wait for its flock. False when, once held, the descriptor is no
        longer the folder at that path (removed and made again meanwhile, as fish's functions/
        between an uninstall and an install): that lock would exclude nobody."""
        folder = self.folder
        try:
            self.fd = os.open(folder, os.O_RDONLY)
        except FileNotFoundError:
            raise FileProblem(f"folder {folder} does not exist")
        except OSError as error:
            raise FileProblem(f"cannot open folder {folder}: {error.strerror}")
        asked = 0
        try:
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as error:
                    if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                    # Asked once, then at the end: /proc/locks lists every lock of the system.
                    holders = lock_holders(self.fd) if asked < 1 or time.monotonic() >= deadline else []
                    asked += 1
                    strangers = [each for each in holders if each[1] not in (os.geteuid(), 0)]
                    if strangers:
                        raise FileProblem(f"{printable(folder)} is locked by {_holder(strangers[0])}, not by an "
                                          "awsmfa of yours, so awsmfa did not wait for it",
                                          hint="ask that account (or root) to end it, then run awsmfa again")
                    if time.monotonic() >= deadline:
                        held_by = f"{_holder(holders[0])} is" if holders else "another awsmfa is"
                        raise FileProblem(f"{held_by} still holding the lock on {printable(folder)}; "
                                          f"gave up after {self.timeout:.0f} s")
                    time.sleep(0.02)
            held = os.fstat(self.fd)
            try:
                now = os.stat(folder)
            except FileNotFoundError:
                raise FileProblem(f"folder {folder} was removed while awsmfa waited to write in it")
            if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
                return True
        except BaseException:
            self._release()
            raise
        self._release()
        return False

    def __exit__(self, *exc):
        self._release()
        return False

    def _release(self):
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor releases the flock
            self.fd = None


def lock_holders(fd):
    """(pid, uid) of each process holding an flock on the file open as `fd`, as /proc/locks
    lists them (Linux); [] when that cannot be told. Waiters ("->" lines) are not holders."""
    try:
        info = os.fstat(fd)
    except OSError:
        return []
    wanted = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    text = read_head("/proc/locks", 4 * 2**20)
    found = []
    for line in (text or b"").decode("ascii", "replace").splitlines():
        fields = line.split()  # "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == wanted and fields[4].isdigit():
            try:
                found.append((int(fields[4]), os.stat(f"/proc/{fields[4]}").st_uid))
            except OSError:
                continue  # gone meanwhile
    return found


def _holder(holder):
    """'PROGRAM (pid N) of account NAME': what holds a lock, its name escaped (the account chose it)."""
    import pwd

    pid, uid = holder
    program = read_head(f"/proc/{pid}/comm", 64)
    program = printable(program.decode("utf-8", "replace").strip()) if program else "a process"
    try:
        account = pwd.getpwuid(uid).pw_name
    except KeyError:
        account = f"uid {uid}"
    return f"{program} (pid {pid}) of account {printable(account)}"


LOCK_FILE_SUFFIX = ".awsmfa-lock"


class turn:
    """An exclusive turn for long work next to `path`, such as a person typing an MFA code:
    `with turn(path, timeout, ...)`. Writers, who take locked(path) on the folder, are not held
    up by it, and readers never lock.

    The turn is an flock on a lock file beside the real file (`.NAME.awsmfa-lock`, 0600),
    made when needed and removed by its holder before it lets go, so none stays behind. That
    is safe because a waiter, once it holds the flock, checks that the path still names the
    file it locked (st_dev, st_ino); if the holder removed it meanwhile, it starts again on
    the new one. (The real file cannot carry the flock itself: every write replaces it, and a
    lock on a replaced inode excludes nobody.) A run killed while holding it leaves an empty
    lock file, reused by the next.

    on_wait: called once, when the turn is found taken (to say why nothing happens).
    busy: the message of the FileProblem raised after `timeout` seconds.
    """

    def __init__(self, path, timeout, on_wait=None, busy=None):
        target = real_path(path)
        self.path = os.path.join(os.path.dirname(target) or ".", "." + os.path.basename(target) + LOCK_FILE_SUFFIX)
        self.timeout, self.on_wait = timeout, on_wait
        self.busy = busy or f"another awsmfa held {self.path} for {timeout:g} s"
        self.fd = None

    def __enter__(self):
        deadline = time.monotonic() + self.timeout
        told = False
        while True:
            flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
            try:
                self.fd = os.open(self.path, flags, 0o600)
            except OSError as error:
                raise FileProblem(f"cannot create {self.path}: {error.strerror}")
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                self._close()
                if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise FileProblem(f"cannot lock {self.path}: {error.strerror}")
                if time.monotonic() >= deadline:
                    raise FileProblem(self.busy)
                if not told and self.on_wait is not None:
                    self.on_wait()
                    told = True
                time.sleep(0.05)
                continue
            held = os.fstat(self.fd)
            try:
                now = os.stat(self.path)
            except FileNotFoundError:
                now = None
            if now is not None and (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
                return self
            self._close()  # the holder before us removed it: take the turn on the new one

    def __exit__(self, *exc):
        if self.fd is not None:
            _unlink_quietly(self.path)  # still holding the flock: see the class docstring
        self._close()
        return False

    def _close(self):
        if self.fd is not None:
            os.close(self.fd)  # closing releases the flock
            self.fd = None


def _sweep_temporaries(folder):
    # Only ever called under the lock, so no live writer owns a matching file.
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(".") and name.endswith(TEMP_SUFFIX):
            _unlink_quietly(os.path.join(folder, name))


def check_writable(path, refuse_read_only=False, done=ASKED_NOTHING):
    """Refuse now what a write under locked() would refuse later: before a prompt spends an MFA
    code, before a shell is left half set up.

    - The folder of `path`'s real file must be a writable folder, or, when it does not exist
      yet, the nearest folder above it that does (ensure_folder creates the rest): a read-only
      home, a read-only mount, or ~/.aws being a file all fail here.
    - That folder, when it exists, must be readable: locked() opens it to take the lock.
    - A file that is a mount of its own is written in place (write_atomic), so it must itself
      be writable: a `-v ~/.aws/credentials:...:ro` mount is found here, not after the code.
    - refuse_read_only: a file made read-only (chmod a-w) is left as its owner wants it (rc
      files; the credentials file is replaced by rename, whatever its own mode).
    done: what each refusal says awsmfa has not done (errors.ASKED_NOTHING before a prompt).

    A parallel uninstall may remove an (empty) folder of fish's while we look, and a parallel
    install make it again: a problem counts only when it is still there on a second look."""
    for attempt in range(5):
        problem = _writable_problem(path, refuse_read_only, done)
        if problem is None:
            return
        time.sleep(0.002 * (attempt + 1))
    raise problem


def _why_not_writable(folder):
    """Why this process cannot write in `folder`, in a few words: a read-only file system, an
    owner who is someone else, or the folder's mode."""
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "a read-only file system"
        info = os.stat(folder)
    except OSError:
        return "cannot look at it"
    if info.st_uid != os.geteuid():
        import pwd

        try:
            owner = pwd.getpwuid(info.st_uid).pw_name
        except KeyError:
            owner = f"uid {info.st_uid}"
        return f"it belongs to {owner}, mode {stat.S_IMODE(info.st_mode):04o}"
    return f"mode {stat.S_IMODE(info.st_mode):04o}"


def _writable_problem(path, refuse_read_only, done):
    shown, real = printable(path), real_path(path)
    folder = os.path.dirname(real) or "."
    while not os.path.isdir(folder):
        if os.path.lexists(folder):
            return FileProblem(f"cannot write {shown}: {printable(folder)} is not a folder", done=done)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    effective = os.access in os.supports_effective_ids
    if not os.access(folder, os.W_OK | os.X_OK, effective_ids=effective):
        return FileProblem(f"cannot write {shown}: folder {printable(folder)} is not writable ({_why_not_writable(folder)})",
                           done=done)
    if folder == os.path.dirname(real) and not os.access(folder, os.R_OK, effective_ids=effective):
        return FileProblem(f"cannot write {shown}: folder {printable(folder)} is not readable, and awsmfa "
                           "locks it while it writes", done=done)
    if not os.path.isfile(real):
        return None
    mounted = is_mount_point(path)
    if not (mounted or refuse_read_only):
        return None
    read_only_mount = mounted and bool(os.statvfs(real).f_flag & os.ST_RDONLY)
    if not read_only_mount and os.access(real, os.W_OK, effective_ids=effective):
        return None
    if mounted:
        return FileProblem(f"cannot write {shown}: it is a mount of its own (a bind mount?) and "
                           + ("read-only" if read_only_mount else "not writable"),
                           hint="mount it read-write", done=done)
    try:
        mode = f" (mode {stat.S_IMODE(os.stat(real).st_mode):04o})"
    except OSError:
        mode = ""
    return FileProblem(f"{shown} is read-only{mode}", hint="make it writable to let awsmfa edit it", done=done)


def ensure_folder(path, mode=0o700):
    """Create the folder for `path` if needed (~/.aws is 0700 as the AWS CLI makes it). The
    folders belong to whoever runs awsmfa: root working for an account runs as that account
    (asuser.py)."""
    folder = os.path.dirname(real_path(path))
    if not folder or os.path.isdir(folder):
        return
    missing = []
    while folder and not os.path.isdir(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    for folder in reversed(missing):
        try:
            os.mkdir(folder, mode)
        except FileExistsError:
            continue  # another writer made it meanwhile
        except OSError as error:
            raise FileProblem(f"cannot create folder {folder}: {error.strerror}")


def remove_file(path):
    """Delete a file awsmfa owns whole. Call under locked(path).

    A symlinked one (a dotfile manager linked it) goes with its link: both were ours.
    """
    target = real_path(path)
    try:
        os.unlink(target)
        if os.path.islink(path):
            os.unlink(path)
    except FileNotFoundError:
        return
    except OSError as error:
        raise FileProblem(f"cannot delete {path}: {error.strerror}", done=None)
    _fsync_folder(os.path.dirname(target) or ".")


# A failed write leaves its own file as it was (atomic), but others of the same command may have
# been written already (a multi-file install): such errors claim nothing (done=None).
def write_atomic(path, text, mode=None):
    """Replace the real file behind `path` with `text` in one step. Call under locked(path).

    mode: the final permission bits; None keeps the existing file's, and gives a new file
          what the umask allows (0666 & ~umask), as an editor creating it would.
    """
    target = real_path(path)
    folder = os.path.dirname(target) or "."
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    except OSError as error:
        raise FileProblem(f"cannot write {path}: {error.strerror}", done=None)
    if old is not None and not stat.S_ISREG(old.st_mode):
        raise FileProblem(f"cannot write {path}: not a regular file", done=None)
    final_mode = mode if mode is not None else (stat.S_IMODE(old.st_mode) if old else 0o666 & ~current_umask())
    # Root rewriting a file keeps its owner (the new file would be root's); anyone else can
    # only own what they write.
    owner = (old.st_uid, old.st_gid) if old is not None and os.geteuid() == 0 else None
    import tempfile  # only writers pay for it: the cached `env` path never writes

    try:
        fd, temp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=TEMP_SUFFIX, dir=folder)
    except OSError as error:
        raise FileProblem(f"cannot write in {folder}: {error.strerror}", done=None)
    data = text.encode("utf-8")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if owner is not None:
                os.fchown(handle.fileno(), *owner)
            os.fchmod(handle.fileno(), final_mode)
            os.fsync(handle.fileno())
        try:
            os.replace(temp, target)
        except OSError as error:
            # EBUSY: the target is a mount point. EXDEV: it sits on another filesystem than
            # its folder (some container runtimes report a file mount so).
            if error.errno not in (errno.EBUSY, errno.EXDEV) or old is None:
                raise
            log("%s is a mount point (rename: %s): writing it in place", path, error.strerror)
            _write_in_place(target, old, data, final_mode, owner)
            _unlink_quietly(temp)
            return
    except BaseException as error:
        _unlink_quietly(temp)
        if isinstance(error, OSError):
            raise FileProblem(f"cannot write {path}: {error.strerror}", done=None)
        raise
    _fsync_folder(folder)


def _write_in_place(target, old, data, mode, owner):
    """Overwrite the file itself, for a mount point that rename() cannot replace.

    Still under the caller's lock, so no other awsmfa reads or writes it meanwhile, and still
    whole in the end: the new bytes, truncated to their length, fsync'ed. The trade-off: until
    the write and the truncation are done (one write() of a few KB), a reader that takes no
    lock (the AWS CLI, a shell) can see the new text followed by the tail of the old one; and a
    crash in that instant can leave it so. The temporary file written first means a full disk
    is found before the real file is touched. Mode and owner change before the text does, so
    a secret never sits in a file with the old, possibly wider, mode.
    """
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (old.st_dev, old.st_ino) or not stat.S_ISREG(now.st_mode):
            raise OSError(errno.ESTALE, "the file changed while awsmfa was writing it")
        if owner is not None and (now.st_uid, now.st_gid) != tuple(owner):
            os.fchown(fd, *owner)
        if stat.S_IMODE(now.st_mode) != mode:
            os.fchmod(fd, mode)
        written = 0
        while written < len(data):
            written += os.pwrite(fd, data[written:], written)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


def is_mount_point(path):
    """True when the real file behind `path` is itself mounted (a bind mount of one file).

    A different st_dev from its folder's shows a mount from another filesystem; a bind mount
    from the same filesystem shows only in /proc/self/mountinfo (Linux), read as the kernel
    escapes it (octal for space, tab, newline and backslash).
    """
    target = real_path(path)
    try:
        if os.stat(target).st_dev != os.stat(os.path.dirname(target) or ".").st_dev:
            return True
        with open("/proc/self/mountinfo", "rb") as table:
            for line in table:
                fields = line.split(b" ")
                if len(fields) > 4 and _unescape(fields[4]) == os.fsencode(target):
                    return True
    except OSError:
        return False
    return False


def _unescape(field):
    if b"\\" not in field:
        return field
    out, index = bytearray(), 0
    while index < len(field):
        if field[index:index + 1] == b"\\" and field[index + 1:index + 4].isdigit():
            out.append(int(field[index + 1:index + 4], 8))
            index += 4
        else:
            out += field[index:index + 1]
            index += 1
    return bytes(out)


def current_umask():
    """The process's umask, read without changing it where the system allows.

    Linux shows it in /proc/self/status (since 4.7). Elsewhere the only way is to set it and
    set it back: for that instant a file another thread of this process creates gets the
    stricter 077 (never a looser mode). awsmfa creates files from one thread only. Read once
    per write, never cached: the caller's umask is the one that counts.
    """
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o077)  # the tighter mask meanwhile: a racing creation errs on the safe side
    os.umask(old)
    return old


def _fsync_folder(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a folder; the rename is done all the same
    finally:
        os.close(fd)


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass
