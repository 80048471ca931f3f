"""root's `install --user NAME` and `status --user NAME` take NAME's own shell, the login shell
of its passwd entry, on real accounts whose login shells are bash, zsh and fish.

* install without --shell sets up that shell, and a new login shell of the account (started as
  the account, interactive, as a terminal starts it) then has `mfa`;
* a login shell awsmfa does not set up (sh) is refused in one line naming --shell, with
  nothing written;
* --shell bash for a zsh or fish account is one note line, and bash is still set up;
* status --user NAME is "not all in place" (exit 1) while the login shell has no block, even
  when the block it has (bash) is current, and "all in place" once the login shell has it.
"""
import os
import pathlib
import subprocess

import pytest

from awsshell_setup.shells import rcblock

from accounts import account, root_env, shared_completer  # noqa: F401 (fixtures)
from shellkit import awsmfa

SHELL_PATHS = {"bash": "/bin/bash", "zsh": "/usr/bin/zsh", "fish": "/usr/bin/fish"}
# A line in the file every new interactive shell of that kind reads, login or not, putting the
# account's own stand-in awsmfa on PATH (status counts only what the account's shells find).
PATH_LINES = {"bash": (".bashrc", 'PATH="$PATH:$HOME/tools"\n'),
              "zsh": (".zshrc", 'path=($path $HOME/tools)\n'),
              "fish": (".config/fish/config.fish", "set -gx PATH $PATH $HOME/tools\n")}
# Asked of a new login, interactive shell of the account: is `mfa` a function there?
HAS_MFA = {"bash": 'type -t mfa', "zsh": 'whence -w mfa', "fish": 'functions -q mfa; and echo function'}


def _login_shell(account, shell):
    subprocess.run(["usermod", "--shell", SHELL_PATHS[shell], account.name], check=True, capture_output=True,
                   timeout=60)


def _awsmfa_for_the_account(account, shell):
    account.write("tools/awsmfa", "#!/bin/sh\necho stand-in\n", mode=0o755)
    rel, line = PATH_LINES[shell]
    path = account.path(rel)
    before = pathlib.Path(path).read_text() if os.path.exists(path) else ""
    account.write(rel, line + before)


def _new_login_shell_has_mfa(account, shell):
    result = account.run([SHELL_PATHS[shell], "-l", "-i", "-c", HAS_MFA[shell]], stdin=subprocess.DEVNULL)
    return "function" in result.stdout.split(), result.stdout + result.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_install_for_an_account_sets_up_its_login_shell(account, root_env, shared_completer, shell):
    _login_shell(account, shell)
    result = awsmfa("install", "--user", account.name, "--yes", "--completer", shared_completer, env=root_env,
                    check=False)
    assert result.returncode == 0, result.stderr
    assert f"shell: {shell} ({account.name}'s login shell in passwd, {SHELL_PATHS[shell]})" in result.stderr, \
        result.stderr
    has, said = _new_login_shell_has_mfa(account, shell)
    assert has, said
    if shell != "bash":
        assert not os.path.exists(account.path(".zshrc")) or shell == "zsh"
        assert rcblock.BEGIN not in pathlib.Path(account.path(".bashrc")).read_text()


def test_a_login_shell_awsmfa_does_not_set_up_is_refused_in_one_line(account, root_env, shared_completer):
    subprocess.run(["usermod", "--shell", "/bin/sh", account.name], check=True, capture_output=True, timeout=60)
    before = {name: pathlib.Path(account.path(name)).read_bytes() for name in (".bashrc", ".profile")}
    result = awsmfa("install", "--user", account.name, "--yes", "--completer", shared_completer, env=root_env,
                    check=False)
    errors = [line for line in result.stderr.splitlines() if line.startswith("awsmfa: error:")]
    assert result.returncode != 0 and len(errors) == 1, result.stderr
    assert f"{account.name}'s login shell (passwd) is /bin/sh" in errors[0] and "--shell" in errors[0], errors
    assert {name: pathlib.Path(account.path(name)).read_bytes() for name in before} == before
    assert not os.path.exists(account.path(".bash_profile"))


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_shell_bash_for_a_zsh_or_fish_account_is_one_note_and_still_done(account, root_env, shared_completer,
                                                                          shell):
    _login_shell(account, shell)
    result = awsmfa("install", "--user", account.name, "--shell", "bash", "--yes", "--completer",
                    shared_completer, env=root_env, check=False)
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "login shell" in line and "note:" in line]
    assert len(notes) == 1 and f"login shell is {shell}" in notes[0] and f"--shell {shell}" in notes[0], \
        result.stderr
    assert rcblock.BEGIN in pathlib.Path(account.path(".bashrc")).read_text()
    both = awsmfa("install", "--user", account.name, "--shell", "bash", "--shell", shell, "--yes", "--completer",
                  shared_completer, env=root_env)
    assert "note:" not in both.stderr, both.stderr


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_status_for_an_account_counts_its_login_shell(account, root_env, shared_completer, shell):
    _login_shell(account, shell)
    _awsmfa_for_the_account(account, "bash")
    _awsmfa_for_the_account(account, shell)
    awsmfa("install", "--user", account.name, "--shell", "bash", "--yes", "--completer", shared_completer,
           env=root_env)
    before = awsmfa("status", "--user", account.name, env=root_env, check=False)
    lines = before.stdout.splitlines()
    assert before.returncode == 1 and lines[-1] == "not all in place", before.stdout + before.stderr
    assert f"{shell} ({account.name}'s login shell):" in lines, before.stdout
    assert any(line.strip().startswith("not set up:") for line in lines), before.stdout
    awsmfa("install", "--user", account.name, "--yes", "--completer", shared_completer, env=root_env)
    after = awsmfa("status", "--user", account.name, env=root_env, check=False)
    assert after.returncode == 0 and after.stdout.splitlines()[-1] == "all in place", after.stdout + after.stderr
    assert "bash:" in after.stdout.splitlines()  # the bash block is still looked at
