"""PATH for zsh and fish users: after a pipx install (awsmfa in ~/.local/bin, which Debian's
~/.profile puts on PATH for bash alone), install asks what a new shell of each kind it set up
finds, and its advice is the one line that fixes it, in the file that shell reads. Followed
literally, the advice is enough: the warning goes, and the account's real new shell finds awsmfa.

* real zsh and fish accounts (root's --user): a new login zsh or fish misses ~/.local/bin; the
  advice is a line in ~/.zshrc / config.fish, and after it the account's login shell has it;
* an account with no awsmfa of its own: the advice is an administrator's (install where every
  account finds it), not a line in the account's files;
* a home run from a session whose PATH predates ~/.local/bin (a new non-login terminal): zsh,
  fish and bash each get their own line, and nothing the questions started is left in the home.
"""
import os
import pathlib
import re
import subprocess

import pytest

from accounts import account, root_env, shared_completer  # noqa: F401 (fixtures)
from shellkit import BIN, SKEL_PROFILE, awsmfa, base_env, fake_completer, new_home, snapshot

SHELL_PATHS = {"bash": "/bin/bash", "zsh": "/usr/bin/zsh", "fish": "/usr/bin/fish"}
ADVICE = re.compile(r"add `(?P<line>[^`]+)` to (?P<files>\S+(?: and \S+)*)$")


def _warnings(result):
    return [line for line in result.stderr.splitlines() if "awsmfa is not on PATH" in line]


def _follow(home, warning, write):
    """Do what the warning says: append its line to each file it names (~ is `home`)."""
    found = ADVICE.search(warning)
    assert found, warning
    for name in found.group("files").split(" and "):
        assert name.startswith("~/"), warning
        write(name[2:], found.group("line") + "\n")


def _pipx_like(account):
    """awsmfa in the account's ~/.local/bin, as `pipx install` puts it (a program it may run)."""
    return account.write(".local/bin/awsmfa", "#!/bin/sh\necho stand-in\n", mode=0o755)


def _append_as_account(account):
    def write(rel, text):
        path = account.path(rel)
        before = pathlib.Path(path).read_text() if os.path.exists(path) else ""
        account.write(rel, before + text)
    return write


@pytest.mark.parametrize("shell, startup, line", [
    ("zsh", "~/.zshrc", 'export PATH="$PATH:$HOME/.local/bin"'),
    ("fish", "~/.config/fish/config.fish", "fish_add_path --path --append ~/.local/bin")])
def test_a_zsh_or_fish_account_gets_the_line_that_puts_pipx_folder_on_its_path(account, root_env, shared_completer,
                                                                              shell, startup, line):
    subprocess.run(["usermod", "--shell", SHELL_PATHS[shell], account.name], check=True, capture_output=True,
                   timeout=60)
    found = _pipx_like(account)
    # What bash sees (Debian's ~/.profile adds ~/.local/bin when it exists): the trial's setting.
    assert pathlib.Path(account.path(".profile")).read_text() == pathlib.Path(SKEL_PROFILE).read_text()
    login_bash = account.run(["bash", "-l", "-c", "command -v awsmfa"])
    assert login_bash.stdout.strip() == found, "the skeleton's ~/.profile no longer adds ~/.local/bin"
    result = awsmfa("install", "--user", account.name, "--yes", "--completer", shared_completer, env=root_env)
    warnings = _warnings(result)
    assert len(warnings) == 1 and f"new {shell} of {account.name}, login shell or not" in warnings[0], result.stderr
    assert warnings[0].endswith(f"add `{line}` to {startup}"), warnings[0]
    _follow(account.home, warnings[0], _append_as_account(account))
    again = awsmfa("install", "--user", account.name, "--yes", "--completer", shared_completer, env=root_env)
    assert not _warnings(again), again.stderr
    new_login = account.run([SHELL_PATHS[shell], "-l", "-i", "-c", "command -v awsmfa"], stdin=subprocess.DEVNULL)
    assert new_login.stdout.strip().splitlines()[-1:] == [found], new_login.stdout + new_login.stderr
    status = awsmfa("status", "--user", account.name, env=root_env, check=False)
    assert status.returncode == 0 and f"awsmfa on PATH: {found} (for a new login {shell})" in status.stdout, \
        status.stdout + status.stderr


def test_an_account_without_awsmfa_of_its_own_gets_the_administrators_advice(account, root_env, shared_completer):
    subprocess.run(["usermod", "--shell", SHELL_PATHS["zsh"], account.name], check=True, capture_output=True,
                   timeout=60)
    result = awsmfa("install", "--user", account.name, "--yes", "--completer", shared_completer, env=root_env)
    warnings = _warnings(result)
    assert len(warnings) == 1, result.stderr
    assert "as root, install awsmfa where every account's shells find it: " \
           "`PIPX_HOME=/opt/pipx PIPX_BIN_DIR=/usr/local/bin pipx install" in warnings[0], warnings[0]
    assert "zshrc" not in warnings[0] and "reinstall" not in warnings[0]


def _session_without_local_bin(tmp_path):
    """A home after `pipx install`, run from a terminal whose session began before ~/.local/bin
    existed: its PATH lacks it, a new login bash has it (Debian's ~/.profile)."""
    home = new_home(tmp_path)
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "awsmfa").symlink_to(os.path.join(BIN, "awsmfa"))
    env = dict(base_env(home), PATH="/usr/local/bin:/usr/bin:/bin")
    return home, env


@pytest.mark.parametrize("shell, startup, line", [
    ("zsh", "~/.zshrc", 'export PATH="$PATH:$HOME/.local/bin"'),
    ("fish", "~/.config/fish/config.fish", "fish_add_path --path --append ~/.local/bin"),
    ("bash", "~/.bashrc", 'export PATH="$PATH:$HOME/.local/bin"')])
def test_a_new_terminal_of_this_session_is_asked_too(tmp_path, shell, startup, line):
    home, env = _session_without_local_bin(tmp_path)
    comp = fake_completer(tmp_path / "fakebin")
    before = snapshot(home)
    dry = awsmfa("install", "--shell", shell, "--yes", "--completer", comp, "--dry-run", env=env)
    assert snapshot(home) == before, "asking the new shells left something in the home"
    assert _warnings(dry), dry.stderr
    result = awsmfa("install", "--shell", shell, "--yes", "--completer", comp, env=env)
    warnings = _warnings(result)
    assert len(warnings) == 1 and f"new {shell} of root started from this session" in warnings[0], result.stderr
    assert warnings[0].endswith(f"add `{line}` to {startup}"), warnings[0]

    def write(rel, text):
        path = home / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as handle:
            handle.write(text)

    _follow(str(home), warnings[0], write)
    assert not _warnings(awsmfa("install", "--shell", shell, "--yes", "--completer", comp, env=env))
    status = awsmfa("status", "--shell", shell, env=env, check=False)
    expected = f"awsmfa on PATH: {home}/.local/bin/awsmfa (for a new {shell} started from this session)"
    assert status.returncode == 0 and expected in status.stdout, status.stdout


def test_bash_whose_login_file_does_not_read_bashrc_gets_both_files(tmp_path):
    """A login bash reads ~/.bash_profile alone (here it does not source ~/.bashrc), a terminal's
    bash reads ~/.bashrc alone: missed by both, the line goes in both, and then both find it."""
    home, env = _session_without_local_bin(tmp_path)
    (home / ".bash_profile").write_text("export EDITOR=vi\n")
    comp = fake_completer(tmp_path / "fakebin")
    result = awsmfa("install", "--shell", "bash", "--yes", "--completer", comp, env=env)
    warnings = _warnings(result)
    assert len(warnings) == 1 and "new bash of root, login shell or not" in warnings[0], result.stderr
    assert warnings[0].endswith('add `export PATH="$PATH:$HOME/.local/bin"` to ~/.bash_profile and ~/.bashrc'), \
        warnings[0]

    def write(rel, text):
        with open(home / rel, "a") as handle:
            handle.write(text)

    _follow(str(home), warnings[0], write)
    assert not _warnings(awsmfa("install", "--shell", "bash", "--yes", "--completer", comp, env=env))
