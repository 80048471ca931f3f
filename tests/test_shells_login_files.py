"""`install --rc-file` into a file that sh reads too (~/.profile, /etc/profile.d/*.sh): checked
by starting real login shells on the result.

dash (Debian's and Ubuntu's /bin/sh) reads ~/.profile at login and stops at the first line of
bash or zsh code it cannot parse, before the command it was started for: a display manager, an
`ssh host cmd` or a cron-like `sh -l -c` would fail. The code goes in a string that only the
intended shell evaluates, as the default install does for ~/.profile.
"""

import pytest

from awsshell_setup.shells import rcblock

from awsmfarun import run_program
from shellkit import PROFILE_PATH_LINE, awsmfa, link_awsmfa, base_env, fake_completer, new_home, require_awsmfa, require_shell, snapshot

USERS_PROFILE = "# my own profile\nexport EDITOR=vi\n" + PROFILE_PATH_LINE


@pytest.fixture
def setup(tmp_path):
    require_awsmfa()
    home = new_home(tmp_path, skel=False)
    (home / ".profile").write_text(USERS_PROFILE)
    link_awsmfa(home)
    env = base_env(home, ZDOTDIR=home)
    return home, env, fake_completer(tmp_path / "bin")


@pytest.mark.parametrize("sh", ["dash", "sh"])
def test_sh_login_still_runs_its_command(setup, sh):
    home, env, completer = setup
    require_shell(sh)
    awsmfa("install", "--shell", "bash", "--rc-file", "~/.profile", "--completer", completer, "--yes", env=env)
    text = (home / ".profile").read_text()
    assert text.startswith(USERS_PROFILE) and rcblock.BEGIN in text
    result = run_program([sh, "-l", "-c", "echo ok; command -v mfa || echo no-mfa-here; echo $EDITOR"], env,
                         cwd=env["HOME"])
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\nno-mfa-here\nvi\n", "")


def test_bash_login_gets_mfa_and_completion_from_the_named_profile(setup):
    home, env, completer = setup
    require_shell("bash")
    awsmfa("install", "--shell", "bash", "--rc-file", "~/.profile", "--completer", completer, "--yes", env=env)
    result = run_program(["bash", "-l", "-c", "type -t mfa; complete -p aws"], env, cwd=env["HOME"])
    assert result.returncode == 0 and result.stderr == "", result.stderr
    kind, completion = result.stdout.splitlines()
    assert kind == "function" and completion.startswith("complete -C ") and completer in completion
    status = awsmfa("status", "--shell", "bash", "--rc-file", "~/.profile", env=env, check=False)
    assert status.returncode == 0, status.stdout + status.stderr
    # Installed again: nothing to change; uninstalled: the user's file as it was.
    again = awsmfa("install", "--shell", "bash", "--rc-file", "~/.profile", "--completer", completer, "--yes", env=env)
    assert "nothing to change" in again.stderr + again.stdout
    awsmfa("uninstall", "--shell", "bash", "--rc-file", "~/.profile", "--yes", env=env)
    assert (home / ".profile").read_text() == USERS_PROFILE


def test_system_wide_profile_snippet_is_wrapped(setup, tmp_path):
    """/etc/profile sources /etc/profile.d/*.sh in every sh login: a snippet there is wrapped too."""
    home, env, completer = setup
    snippet = tmp_path / "etc" / "profile.d" / "awsmfa.sh"
    snippet.parent.mkdir(parents=True)
    awsmfa("install", "--shell", "bash", "--rc-file", str(snippet), "--completer", completer, "--yes", env=env)
    result = run_program(["dash", "-c", '. "$1"; echo ok', "dash", str(snippet)], env, cwd=env["HOME"])
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", "")
    result = run_program(["bash", "-c", '. "$1"; type -t mfa', "bash", str(snippet)], env, cwd=env["HOME"])
    assert result.stdout == "function\n", result.stderr


def test_files_only_bash_reads_keep_the_plain_block(setup):
    home, env, completer = setup
    awsmfa("install", "--shell", "bash", "--rc-file", "~/.bash_login", "--completer", completer, "--yes", env=env)
    text = (home / ".bash_login").read_text()
    assert "function mfa {" in text and "BASH_VERSION" not in text


@pytest.mark.parametrize("shell_name", ["zsh", "fish"])
def test_zsh_or_fish_into_a_file_sh_reads_is_refused(setup, shell_name):
    """Neither reads ~/.profile as itself (zsh only as sh, under `emulate sh`), and their code
    there would stop sh's login: refused, in one line naming their own file, nothing written."""
    home, env, completer = setup
    before = snapshot(home)
    result = awsmfa("install", "--shell", shell_name, "--rc-file", "~/.profile", "--completer", completer, "--yes",
                    env=env, check=False)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("awsmfa: error:")]
    assert len(errors) == 1 and {"zsh": ".zshrc", "fish": "config.fish"}[shell_name] in errors[0], result.stderr
    assert snapshot(home) == before
