"""What can keep root's `--user` job waiting, on real unprivileged accounts (docs/ARCHITECTURE.md
§4, "What runs as which user"), with the wait made certain: the lock is held before awsmfa
starts and let go only after it has answered.

* Another account may open a readable home (0755) and flock it, the lock awsmfa takes on the
  folder it writes in. That is no awsmfa of the owner's: install does not wait the lock's 15 s
  for it, and its one line says whose process holds the lock.
* Whatever blocks the child that works as the account (here: the account's own lock on its
  home, held for ever), the parent ends it after AWSMFA_USER_JOB_TIMEOUT seconds, in one line.
"""
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from awsshell_setup.core import fileio

import accounts
from accounts import account  # noqa: F401 (fixture)
from awsmfarun import alive, one_error
from shellkit import base_env, new_home


@pytest.fixture
def other_account():
    """A second real account, made as accounts.account makes one."""
    accounts.require_root_tools()
    root = tempfile.mkdtemp(prefix="awsmfa-account-")
    os.chmod(root, 0o755)
    name = "awsmfa-" + secrets.token_hex(5)
    accounts._run_admin(["useradd", "--create-home", "--home-dir", os.path.join(root, "home"), "--shell",
                         "/bin/bash", name])
    try:
        yield accounts.Account(name, root)
    finally:
        accounts._run_admin(["userdel", name])
        shutil.rmtree(root, ignore_errors=True)


def _install_as_root(tmp_path, account, **extra):
    env = base_env(new_home(tmp_path, "roothome"), **extra)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "awsshell_setup", "install", "--user", account.name, "--shell",
                             "bash", "--no-completion", "--yes"], env=env, capture_output=True, text=True,
                            timeout=120, stdin=subprocess.DEVNULL)
    return result, time.monotonic() - started


def test_another_accounts_lock_on_a_readable_home_is_named_not_waited_for(account, other_account, tmp_path):
    os.chmod(account.home, 0o755)
    before = open(account.path(".bashrc"), "rb").read()
    holder = other_account.hold_lock(account.home, "true")
    try:
        result, took = _install_as_root(tmp_path, account)
    finally:
        holder.go()
    error = one_error(result)
    assert other_account.name in error and "another awsmfa" not in error, error
    assert "is locked by flock (pid " in error, error  # the holder: util-linux flock, run by the account
    assert took < fileio.LOCK_TIMEOUT_SECONDS, f"waited {took:.1f} s for a lock that was no awsmfa's"
    assert open(account.path(".bashrc"), "rb").read() == before


def test_a_child_blocked_for_good_is_ended_by_the_parent_in_one_line(account, tmp_path):
    # The account's own lock (its uid: maybe its own awsmfa, so the child waits for it), held
    # past the job's bound; the lock's own 15 s would come later.
    holder = account.hold_lock(account.home, "true")
    try:
        result, took = _install_as_root(tmp_path, account, AWSMFA_USER_JOB_TIMEOUT="2")
    finally:
        holder.go()
    error = one_error(result)
    assert f"the process working as {account.name} did not finish within 2 s" in error, error
    assert result.returncode == 1
    assert took < fileio.LOCK_TIMEOUT_SECONDS, f"took {took:.1f} s"
    # Nothing of the child is left: no process of the account's but the lock holder's, gone now.
    leftover = subprocess.run(["pgrep", "-u", str(account.uid)], capture_output=True, text=True).stdout.split()
    assert not leftover, leftover


def test_what_the_ended_child_had_started_is_ended_with_it(account, tmp_path):
    # The child asks the account's login shell for its PATH (bounded by 5 s only while the child
    # waits for it); the job's bound ends the child first, and the shell with it.
    with open(account.path(".profile"), "a") as handle:
        handle.write('echo "$$" > ~/shell-pid; sleep 60\n')
    result, took = _install_as_root(tmp_path, account, AWSMFA_USER_JOB_TIMEOUT="1")
    error = one_error(result)
    assert "did not finish within 1 s" in error, error
    shell = int(open(account.path("shell-pid")).read())
    deadline = time.monotonic() + 10
    while alive(shell) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(shell), "the account's login shell outlived the child that started it"
    leftover = [pid for pid in subprocess.run(["pgrep", "-u", str(account.uid)], capture_output=True,
                                              text=True).stdout.split() if alive(pid)]
    assert not leftover, leftover
