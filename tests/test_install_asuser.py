"""`awsmfa install` and `uninstall` run by root for another account (`--user NAME`), on a real
unprivileged account.

The whole job runs in a child process that has become the account (its uid, gid and groups)
before it opens anything, so the kernel decides what it may read, write and run:
* files and folders it creates are the account's; a link from the account's home to a file of
  root's is refused (the account could not write there);
* the completer it finds (~/.local/bin/aws_completer of the account's) and the manager behind a
  version-manager shim run as the account, never as root, --dry-run included;
* whether awsmfa is on PATH is asked of the account's new login shell: a virtualenv on root's
  PATH does not count (one warning line);
* it works when the package lives where the account cannot read it (a Python under /root);
* the child cannot become root again; Ctrl-C at its prompt cancels with nothing written.
* as root without --user, --rc-file on a file of the account's is refused, naming --user.
"""
import os
import pathlib
import pwd
import shutil
import subprocess
import sys
import tempfile

import pexpect
import pytest

import awsshell_setup
from awsshell_setup.shells import rcblock

from accounts import account, owner_of, root_env, root_owned_folder, shared_completer  # noqa: F401 (fixtures)
from awsmfarun import one_error, ran_as
from shellkit import Transcript, awsmfa, base_env, new_home, snapshot


def test_files_for_an_account_are_created_by_that_account(account, root_env, shared_completer, tmp_path):
    skel = pathlib.Path(account.path(".bashrc")).read_bytes()
    result = awsmfa("install", "--user", account.name, "--shell", "bash", "--shell", "fish", "--yes",
                    "--completer", shared_completer, env=root_env)
    assert f"as {account.name}" in result.stderr, result.stderr
    for rel in (".bashrc", ".config", ".config/fish", ".config/fish/functions/mfa.fish",
                ".config/fish/completions", ".config/fish/completions/aws.fish"):
        info = os.stat(account.path(rel))
        assert (info.st_uid, info.st_gid) == (account.uid, account.gid), rel
    assert rcblock.BEGIN in pathlib.Path(account.path(".bashrc")).read_text()
    # A link from the account's home to a file of root's: the account cannot write there.
    secret = pathlib.Path(root_owned_folder(account, "roots")) / "zshrc"
    secret.write_text("root's\n")
    os.symlink(secret, account.path(".zshrc"))
    os.lchown(account.path(".zshrc"), account.uid, account.gid)
    refused = awsmfa("install", "--user", account.name, "--shell", "zsh", "--yes", "--completer", shared_completer,
                     env=root_env, check=False)
    assert "not writable" in one_error(refused)
    assert secret.read_text() == "root's\n" and owner_of(str(secret)) == 0
    awsmfa("uninstall", "--user", account.name, "--shell", "bash", "--shell", "fish", "--yes", env=root_env)
    assert pathlib.Path(account.path(".bashrc")).read_bytes() == skel
    assert not os.path.exists(account.path(".config/fish/functions/mfa.fish"))


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "install"])
def test_the_accounts_own_completer_runs_as_that_account(account, root_env, dry_run):
    marker = account.path("ran-as")
    mine = account.write(".local/bin/aws_completer", f"#!/bin/sh\nid -u >> {marker}\necho ec2\n", mode=0o755)
    for folder in ("/usr/bin", "/usr/local/bin", "/usr/local/aws-cli/v2/current/bin", "/usr/local/aws-cli"):
        if os.path.exists(os.path.join(folder, "aws_completer")):
            pytest.fail(f"{folder}/aws_completer would be found before the account's own", pytrace=False)
    env = dict(root_env, PATH="/usr/bin:/bin")
    result = awsmfa("install", "--user", account.name, "--shell", "bash", "--yes",
                    *(["--dry-run"] if dry_run else []), env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert "0" not in ran_as(marker), "root ran a program the account controls"
    assert ran_as(marker) == {str(account.uid)}, result.stderr
    assert f"aws completion: {mine}" in result.stderr, result.stderr


def test_a_shim_of_the_accounts_is_asked_as_that_account(account, root_env):
    marker = account.path("ran-as")
    real = account.write(".pyenv/versions/3.11/bin/aws_completer", "#!/bin/sh\necho ec2\n", mode=0o755)
    manager = account.write(".pyenv/libexec/pyenv", f'#!/bin/sh\nid -u >> {marker}\n'
                                                    f'[ "$1" = which ] && echo {real}\n', mode=0o755)
    account.write(".local/bin/aws_completer", '#!/usr/bin/env bash\nset -e\nprogram="${0##*/}"\n'
                                              f'exec "{manager}" exec "$program" "$@"\n', mode=0o755)
    env = dict(root_env, PATH="/usr/bin:/bin")
    result = awsmfa("install", "--user", account.name, "--shell", "bash", "--yes", "--dry-run", env=env,
                    check=False)
    assert result.returncode == 0, result.stderr
    assert "0" not in ran_as(marker), "root ran the manager a shim of the account's names"
    assert ran_as(marker) == {str(account.uid)} and f"aws completion: {real}" in result.stderr, result.stderr


def test_awsmfa_missing_from_the_accounts_path_is_one_warning(account, root_env, shared_completer):
    # root runs awsmfa from a virtualenv: on root's PATH, not on the account's.
    result = awsmfa("install", "--user", account.name, "--shell", "bash", "--yes", "--completer", shared_completer,
                    env=root_env)
    warnings = [line for line in result.stderr.splitlines() if "awsmfa is not on PATH" in line]
    # Neither a login bash of the account's nor one its session starts has one: the advice is an
    # administrator's, installing awsmfa where every account finds it.
    assert len(warnings) == 1 and f"new bash of {account.name}, login shell or not" in warnings[0], result.stderr
    assert "PIPX_HOME=/opt/pipx PIPX_BIN_DIR=/usr/local/bin pipx install" in warnings[0], warnings[0]
    assert rcblock.BEGIN in pathlib.Path(account.path(".bashrc")).read_text()  # written all the same
    # Once the account's login shell finds it, no warning.
    account.write("tools/awsmfa", "#!/bin/sh\n", mode=0o755)
    with open(account.path(".profile"), "a") as handle:
        handle.write('PATH="$HOME/tools:$PATH"\n')
    again = awsmfa("install", "--user", account.name, "--shell", "bash", "--yes", "--completer", shared_completer,
                   env=root_env)
    assert "not on PATH" not in again.stderr, again.stderr


def test_works_when_the_package_is_where_the_account_cannot_read_it(account, shared_completer, tmp_path):
    private = tempfile.mkdtemp(prefix="awsmfa-private-")  # root's, 0700
    try:
        package = os.path.dirname(awsshell_setup.__file__)
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(package, os.path.join(private, "awsshell_setup"), ignore=ignore)
        env = dict(base_env(new_home(tmp_path, "roothome")), PYTHONPATH=private)
        argv = [sys.executable, "-m", "awsshell_setup", "install", "--user", account.name, "--shell", "bash",
                "--shell", "zsh", "--shell", "fish", "--yes", "--completer", shared_completer]
        result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, cwd=private,
                                stdin=subprocess.DEVNULL)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        check = subprocess.run([sys.executable, "-c", "import awsshell_setup; print(awsshell_setup.__file__)"],
                               env=env, capture_output=True, text=True, cwd=private)
        assert check.stdout.startswith(private)  # the copy ran, not the worktree's package
        for rel in (".bashrc", ".zshrc", ".config/fish/functions/mfa.fish"):
            assert rcblock.BEGIN in pathlib.Path(account.path(rel)).read_text() or rel.endswith(".fish")
            assert owner_of(account.path(rel)) == account.uid
        status = subprocess.run(argv[:3] + ["status", "--user", account.name], env=env, capture_output=True,
                                text=True, timeout=120, cwd=private, stdin=subprocess.DEVNULL)
        assert "Traceback" not in status.stderr and ": current" in status.stdout, status.stdout + status.stderr
    finally:
        shutil.rmtree(private)


def test_the_child_cannot_become_root_again(account):
    from awsshell_setup.setup import asuser

    entry = pwd.getpwnam(account.name)
    expected_groups = sorted(os.getgrouplist(account.name, account.gid))

    def job():
        try:
            os.setuid(0)
            return 10
        except PermissionError:
            pass
        if os.getresuid() != (account.uid,) * 3 or os.getresgid() != (account.gid,) * 3:
            return 11
        if sorted(os.getgroups()) != expected_groups:
            return 12
        if os.getcwd() != account.home or os.environ.get("HOME") != account.home:
            return 13
        if os.environ.get("USER") != account.name or os.environ.get("LOGNAME") != account.name:
            return 14
        if "AWSMFA_ROOT_ONLY" in os.environ:
            return 15
        try:
            open("/etc/shadow").close()
            return 16
        except PermissionError:
            return 0

    os.environ["AWSMFA_ROOT_ONLY"] = "1"
    try:
        assert asuser.run(entry, job) == 0
    finally:
        del os.environ["AWSMFA_ROOT_ONLY"]
    assert os.geteuid() == 0  # this process stays root


def test_ctrl_c_at_the_accounts_prompt_cancels(account, root_env, shared_completer):
    """root's process waits and ignores Ctrl-C; the child, which asks, gets it from the terminal."""
    before = snapshot(account.home)
    command = (f"{sys.executable} -m awsshell_setup install --user {account.name} --shell bash "
               f"--completer {shared_completer}; echo exit=$?")
    transcript = []
    child = pexpect.spawn("bash", ["--norc", "--noprofile", "-c", command], env=root_env, encoding="utf-8",
                          timeout=120)
    child.logfile_read = Transcript(transcript)
    try:
        child.expect_exact("go ahead? [Y/n]")
        child.sendintr()
        child.expect(r"exit=(\d+)")
        code = child.match.group(1)
        child.expect(pexpect.EOF)
    except pexpect.ExceptionPexpect:
        pytest.fail("no prompt, or no end after Ctrl-C: " + "".join(transcript), pytrace=False)
    finally:
        child.close(force=True)
    said = "".join(transcript)
    assert code == "130", said
    assert "awsmfa: cancelled; awsmfa changed nothing" in said and "Traceback" not in said, said
    assert snapshot(account.home) == before


@pytest.mark.parametrize("command", ["install", "uninstall"])
def test_rc_file_as_root_on_an_accounts_file_is_refused(account, root_env, shared_completer, command):
    rc = account.path(".bashrc")
    if command == "uninstall":
        awsmfa("install", "--user", account.name, "--shell", "bash", "--rc-file", rc, "--yes", "--completer",
               shared_completer, env=root_env)
    before = snapshot(account.root)
    extra = ["--completer", shared_completer] if command == "install" else []
    for target in (rc, account.path("new-folder/new.rc")):
        result = awsmfa(command, "--shell", "bash", "--rc-file", target, "--yes", *extra, env=root_env, check=False)
        assert f"--user {account.name}" in one_error(result) and result.returncode == 2
        assert snapshot(account.root) == before
    done = awsmfa(command, "--user", account.name, "--shell", "bash", "--rc-file", rc, "--yes", *extra, env=root_env)
    assert done.returncode == 0 and owner_of(rc) == account.uid
