"""Real unprivileged accounts for the tests of root's `--user NAME` and of root's refusals.

An account is made with useradd (a unique name, a home copied from /etc/skel under a folder
every account can reach: pytest's own tmp folders are 0700) and removed with userdel. What the
account does itself (hold a lock, swap a file for a link) runs as its real uid through setpriv.

A race is made certain, not lucky: the account holds the flock awsmfa takes on its folder,
awsmfa is seen waiting for it (an open descriptor on that folder, in the awsmfa process or a
child of it), and only then does the account swap its file and let go.
"""
import os
import pathlib
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time

import pytest

from shellkit import base_env, fake_completer, new_home

SETUP_TIMEOUT = 60


class Account:
    def __init__(self, name, root):
        entry = pwd.getpwnam(name)
        self.name, self.uid, self.gid, self.home = name, entry.pw_uid, entry.pw_gid, entry.pw_dir
        self.root = root  # root-owned, 0755: holds the home and whatever a test adds next to it

    def path(self, rel):
        return os.path.join(self.home, rel)

    def write(self, rel, text, mode=0o644):
        """A file (and its folders) in the home, owned by the account."""
        path = self.path(rel)
        folder = os.path.dirname(path)
        missing = []
        while not os.path.isdir(folder):
            missing.append(folder)
            folder = os.path.dirname(folder)
        for folder in reversed(missing):
            os.mkdir(folder, 0o755)
            os.chown(folder, self.uid, self.gid)
        with open(path, "w") as handle:
            handle.write(text)
        os.chown(path, self.uid, self.gid)
        os.chmod(path, mode)
        return path

    def as_account(self, argv):
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--init-groups", *argv]

    def run(self, argv, **kwargs):
        env = {"HOME": self.home, "USER": self.name, "LOGNAME": self.name, "PATH": "/usr/bin:/bin"}
        return subprocess.run(self.as_account(argv), env=env, cwd=self.home, capture_output=True, text=True,
                              timeout=SETUP_TIMEOUT, **kwargs)

    def hold_lock(self, folder, then):
        """A LockHolder: the account holds flock(folder) until told to go on, then runs the sh
        command `then` (still holding it) and lets go."""
        return LockHolder(self, folder, then)


class LockHolder:
    def __init__(self, account, folder, then):
        self.folder = folder
        script = 'echo locked; read go; ' + then
        self.process = subprocess.Popen(account.as_account(["flock", folder, "sh", "-c", script]),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, cwd=account.home,
                                        env={"HOME": account.home, "PATH": "/usr/bin:/bin"})
        if self.process.stdout.readline().strip() != "locked":
            self.process.kill()
            pytest.fail(f"the account could not lock {folder}: {self.process.stderr.read()}", pytrace=False)

    def wait_for_waiter(self, pid):
        """Block until process `pid` (or a process under it) has `folder` open to lock it."""
        deadline = time.monotonic() + SETUP_TIMEOUT
        while time.monotonic() < deadline:
            if any(_has_folder_open(each, self.folder) for each in _descendants(pid)):
                return
            time.sleep(0.02)
        pytest.fail(f"awsmfa never came to wait for the lock on {self.folder}", pytrace=False)

    def go(self):
        """Run the swap and let go of the lock; fails the test if the swap failed."""
        out, err = self.process.communicate("go\n", timeout=SETUP_TIMEOUT)
        if self.process.returncode != 0:
            pytest.fail(f"the account's swap failed: {err}", pytrace=False)


def _descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


O_DIRECTORY = 0o200000  # os.listdir/scandir open folders with it; fileio.locked does not


def _has_folder_open(pid, folder):
    """True when `pid` holds `folder` open the way the lock does (not a passing listdir)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") != folder:
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as handle:
                flags = next(int(line.split()[1], 8) for line in handle if line.startswith("flags:"))
        except (OSError, StopIteration, ValueError):
            continue
        if not flags & O_DIRECTORY:
            return True
    return False


def _run_admin(argv):
    """useradd/userdel, retried while another test holds the passwd lock (xdist)."""
    for attempt in range(50):
        result = subprocess.run(argv, capture_output=True, text=True, timeout=SETUP_TIMEOUT)
        if result.returncode == 0:
            return
        if "lock" not in result.stderr:
            break
        time.sleep(0.1 + attempt * 0.02)
    pytest.fail(f"{' '.join(argv)} failed: {result.stderr.strip()}", pytrace=False)


def require_root_tools():
    if os.geteuid() != 0:
        pytest.fail("the --user tests need root (CI runs the suite as root)", pytrace=False)
    for tool in ("useradd", "userdel", "setpriv", "flock"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            pytest.fail(f"{tool} is missing: the --user tests need real accounts (apt-get install passwd "
                        f"util-linux)", pytrace=False)


@pytest.fixture
def account():
    """A fresh real account with a home made from /etc/skel and bash as its login shell."""
    require_root_tools()
    root = tempfile.mkdtemp(prefix="awsmfa-account-")
    os.chmod(root, 0o755)
    name = "awsmfa-" + secrets.token_hex(5)
    _run_admin(["useradd", "--create-home", "--home-dir", os.path.join(root, "home"), "--shell", "/bin/bash",
                "--comment", "awsmfa test account", name])
    try:
        yield Account(name, root)
    finally:
        _run_admin(["userdel", name])
        shutil.rmtree(root, ignore_errors=True)


def root_owned_folder(account, name, mode=0o755):
    """A folder next to the account's home that only root may write."""
    path = os.path.join(account.root, name)
    os.makedirs(path, exist_ok=True)
    os.chmod(path, mode)
    return path


def owner_of(path):
    return os.lstat(path).st_uid


@pytest.fixture
def root_env(tmp_path):
    """root's own environment: its PATH has this test's awsmfa and aws_completer first."""
    return base_env(new_home(tmp_path, "roothome"))


@pytest.fixture
def shared_completer(account):
    """A completer of root's that every account may run (root-owned, in a 0755 folder)."""
    return fake_completer(pathlib.Path(root_owned_folder(account, "bin")))
