"""Whether a new login shell finds awsmfa: asked of the account's own login shell, in bash,
zsh and fish, bounded in time, deaf to what startup files print.

* banners from ~/.profile and ~/.bashrc, before the answer and after it (an EXIT trap), some
  mimicking the answer's layout, change nothing;
* a ~/.profile that never ends: no answer after the timeout, the shell and what it started are
  killed, status says it could not tell;
* zsh and fish as the login shell (a real account each), reading ~/.zprofile and config.fish;
* an account whose login shell cannot be asked (nologin) is said so.
"""
import os
import pathlib
import subprocess
import time

import pytest

from awsshell_setup.setup import loginshell

from accounts import account  # noqa: F401 (fixture)
from awsmfarun import alive
from shellkit import BIN, awsmfa, base_env, new_home


def _awsmfa_in(home):
    folder = home / "tools"
    folder.mkdir()
    (folder / "awsmfa").symlink_to(os.path.join(BIN, "awsmfa"))
    return str(folder / "awsmfa")


def test_banners_from_startup_files_do_not_count(tmp_path):
    home = new_home(tmp_path)
    found = _awsmfa_in(home)
    fake = "AWSMFA-NEW-SHELL-BEGIN\n/nowhere/awsmfa\nAWSMFA-NEW-SHELL-PATH\n/nowhere\nAWSMFA-NEW-SHELL-END"
    with open(home / ".profile", "a") as handle:
        handle.write(f'echo "Welcome to $(hostname)"\nprintf "%s\\n" "{fake}"\nPATH="$HOME/tools:$PATH"\n')
    with open(home / ".bashrc", "a") as handle:  # and once more as the shell exits, after the answer
        handle.write(f'echo "bashrc says hello"\ntrap \'printf "%s\\n" "{fake}"\' EXIT\n')
    answer = loginshell.ask(str(home), base_env(home))
    assert answer.answered and answer.shell == "bash", answer.problem
    assert answer.awsmfa == found and answer.path.startswith(str(home / "tools") + ":")
    result = awsmfa("status", "--shell", "bash", env=base_env(home), check=False)
    assert f"awsmfa on PATH: {found} (for a new login bash)" in result.stdout, result.stdout


def test_a_startup_file_that_never_ends_is_cut_short(tmp_path, monkeypatch):
    home = new_home(tmp_path)
    sleeper = home / "sleeper"
    with open(home / ".profile", "a") as handle:
        handle.write(f"sleep 300 &\necho $! > {sleeper}\nwait\n")
    monkeypatch.setattr(loginshell, "TIMEOUT_SECONDS", 2)
    start = time.monotonic()
    answer = loginshell.ask(str(home), base_env(home))
    took = time.monotonic() - start
    assert not answer.answered and "no answer within 2 s" in answer.problem, answer.problem
    assert took < 30, took  # 2 s, and 1 s more for what it printed: bounded under any load
    pid = int(sleeper.read_text())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.05)
    assert not alive(pid), "the sleep a startup file started was left running"


def test_status_says_when_it_cannot_tell(tmp_path):
    home = new_home(tmp_path)
    with open(home / ".profile", "a") as handle:
        handle.write("exit 3\n")  # ends the shell before it answers
    result = awsmfa("status", "--shell", "bash", env=base_env(home), check=False)
    line = next(line for line in result.stdout.splitlines() if line.startswith("awsmfa on PATH"))
    assert "could not tell for a new login bash" in line and "ended it before it answered" in line, line
    assert f"{BIN}/awsmfa here" in line  # the PATH status runs with decides then


@pytest.mark.parametrize("shell, startup", [("zsh", ".zprofile"), ("fish", ".config/fish/config.fish")])
def test_zsh_and_fish_login_shells_are_asked_in_their_own_language(account, tmp_path, shell, startup):
    subprocess.run(["usermod", "--shell", f"/usr/bin/{shell}", account.name], check=True, capture_output=True)
    account.write("tools/awsmfa", "#!/bin/sh\n", mode=0o755)
    line = 'fish_add_path --path $HOME/tools\n' if shell == "fish" else 'path=($HOME/tools $path)\n'
    account.write(startup, line)
    env = base_env(new_home(tmp_path, "roothome"))
    result = awsmfa("status", "--user", account.name, "--shell", "bash", env=env, check=False)
    assert f"awsmfa on PATH: {account.path('tools/awsmfa')} (for a new login {shell})" in result.stdout, \
        result.stdout + result.stderr


def test_a_login_shell_that_cannot_be_asked_is_said(account):
    subprocess.run(["usermod", "--shell", "/usr/sbin/nologin", account.name], check=True, capture_output=True)
    answer = loginshell.ask(account.home, {}, account.uid)
    assert not answer.answered and "/usr/sbin/nologin is not one awsmfa knows how to ask" in answer.problem


def test_the_login_path_comes_from_login_defs():
    with open("/etc/login.defs") as handle:
        text = handle.read()
    for uid, key in ((0, "ENV_SUPATH"), (1000, "ENV_PATH")):
        value = next((line.split()[1] for line in text.splitlines() if line.split()[:1] == [key]), None)
        expected = value[len("PATH="):] if value and value.startswith("PATH=") else value
        assert loginshell.login_path(uid) == (expected or loginshell.login_path(uid))
        assert pathlib.PurePath(loginshell.login_path(uid).split(":")[0]).is_absolute()


def test_the_advice_names_the_login_file_bash_reads_and_following_it_works(tmp_path):
    """In an empty home, install writes ~/.bash_profile (a login bash reads it, not ~/.profile):
    the warning must name that file, and the line it asks for, added there, must be enough."""
    home = new_home(tmp_path, skel=False)
    result = awsmfa("install", "--shell", "bash", "--yes", "--no-completion", env=base_env(home))
    warning = [line for line in result.stderr.splitlines() if "awsmfa is not on PATH" in line]
    assert len(warning) == 1 and warning[0].endswith(f'add `export PATH="$PATH:{BIN}"` to ~/.bash_profile'), \
        result.stderr
    with open(home / ".bash_profile", "a") as handle:
        handle.write(f'export PATH="$PATH:{BIN}"\n')
    status = awsmfa("status", "--shell", "bash", env=base_env(home), check=False)
    assert f"awsmfa on PATH: {BIN}/awsmfa (for a new login bash)" in status.stdout, status.stdout
