"""`awsmfa status` run by root for another account, on a real unprivileged account.

* `status --user NAME` answers for the account: the completer its block names runs as the
  account, never as root (the account wrote that path: a program there would run with uid 0);
  whether awsmfa is on PATH is asked of the account's own new login shell; a completer the
  account cannot run does not answer, even though root could run it.
* `status --rc-file PATH` as root, without --user, on a file of the account's: refused, with
  one line naming --user, and nothing read further or run.
"""
import os
import subprocess
import sys

from awsshell_setup.shells import rcblock
from awsshell_setup import shells

from accounts import account, owner_of, root_owned_folder  # noqa: F401 (fixture)
from awsmfarun import ran_as
from shellkit import awsmfa, base_env, fake_completer, new_home


def _block(shell_name, completer):
    shell = shells.by_name(shell_name)
    return rcblock.block_text(shell.render(shell.sections(True), completer))


def _recorder(account, rel, marker):
    """An aws_completer of the account's that notes the uid it runs as, then answers."""
    return account.write(rel, f"#!/bin/sh\nid -u >> {marker}\necho ec2\necho s3\n", mode=0o755)


def test_status_for_an_account_runs_the_completer_its_block_names_as_that_account(account, tmp_path):
    marker = account.path("ran-as")
    evil = _recorder(account, "evil", marker)
    # `awsmfa init bash --completer ~/evil >> ~/.bashrc`, as the account may do.
    with open(account.path(".bashrc"), "a") as handle:
        handle.write(_block("bash", evil))
    env = base_env(new_home(tmp_path, "roothome"))
    result = awsmfa("status", "--user", account.name, "--shell", "bash", env=env, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    assert f"completer: {evil}: answers" in result.stdout, result.stdout + result.stderr
    assert "0" not in ran_as(marker), "root ran a program the account controls"
    assert ran_as(marker) == {str(account.uid)} and owner_of(marker) == account.uid


def test_status_for_an_account_into_a_closed_pipe_is_no_traceback(account, tmp_path):
    env = base_env(new_home(tmp_path, "roothome"))
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run([sys.executable, "-m", "awsshell_setup", "status", "--user", account.name],
                                env=env, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
                                stdin=subprocess.DEVNULL)
    finally:
        os.close(write_end)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "Broken" not in result.stderr, \
        result.stderr


def test_status_for_an_account_gives_that_accounts_view(account, tmp_path):
    # awsmfa where the account's login shell finds it, and nowhere on root's PATH.
    tools = account.path("tools")
    account.write("tools/awsmfa", "#!/bin/sh\nexit 0\n", mode=0o755)
    with open(account.path(".profile"), "a") as handle:
        handle.write('PATH="$HOME/tools:$PATH"\n')
    # A completer only root can reach (a 0700 folder of root's): the account's Tab cannot run it.
    private = root_owned_folder(account, "private", mode=0o700)
    unreachable = fake_completer(__import__("pathlib").Path(private) / "bin")
    with open(account.path(".bashrc"), "a") as handle:
        handle.write(_block("bash", unreachable))
    env = base_env(new_home(tmp_path, "roothome"))  # root's PATH has this test's awsmfa first
    result = awsmfa("status", "--user", account.name, "--shell", "bash", env=env, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    out = result.stdout
    assert f"awsmfa on PATH: {os.path.join(tools, 'awsmfa')}" in out, out
    assert f"completer: {unreachable}: does not answer" in out and "Permission denied" in out, out
    assert result.returncode == 1 and out.endswith("not all in place\n"), out


def test_status_for_an_account_without_awsmfa_on_its_path_is_not_in_place(account, tmp_path):
    comp = fake_completer(__import__("pathlib").Path(root_owned_folder(account, "bin")))
    with open(account.path(".bashrc"), "a") as handle:
        handle.write(_block("bash", comp))
    env = base_env(new_home(tmp_path, "roothome"))  # awsmfa is on root's PATH, not on the account's
    result = awsmfa("status", "--user", account.name, "--shell", "bash", env=env, check=False)
    assert f"completer: {comp}: answers" in result.stdout, result.stdout + result.stderr
    assert "awsmfa on PATH: no" in result.stdout and result.returncode == 1, result.stdout


def test_status_rc_file_as_root_on_an_accounts_file_is_refused(account, tmp_path):
    marker = account.path("ran-as")
    evil = _recorder(account, "evil", marker)
    rc = account.path(".bashrc")
    with open(rc, "a") as handle:
        handle.write(_block("bash", evil))
    env = base_env(new_home(tmp_path, "roothome"))
    for args in (["--rc-file", rc, "--shell", "bash"], ["--rc-file", rc]):
        result = awsmfa("status", *args, env=env, check=False)
        errors = [line for line in result.stderr.splitlines() if line.startswith("awsmfa: error:")]
        assert result.returncode == 2 and len(errors) == 1, result.stdout + result.stderr
        assert f"--user {account.name}" in errors[0] and result.stdout == "", result.stderr
    # The same file through a link of root's is the account's file all the same.
    link = tmp_path / "rc-link"
    link.symlink_to(rc)
    result = awsmfa("status", "--rc-file", str(link), "--shell", "bash", env=env, check=False)
    assert result.returncode == 2 and f"--user {account.name}" in result.stderr, result.stderr
    assert not os.path.exists(marker)
    # With --user, status reads it as the account.
    result = awsmfa("status", "--user", account.name, "--rc-file", rc, env=env, check=False)
    assert f"{rc}: current, with aws completion" in result.stdout or "~/.bashrc: current" in result.stdout, \
        result.stdout + result.stderr
    assert ran_as(marker) == {str(account.uid)}
