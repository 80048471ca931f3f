"""`awsmfa status`: what it reports, and exit 0 only when everything is in place.

Whether awsmfa is on PATH is asked of a new login shell (the test homes have Debian's
~/.profile, which puts ~/.local/bin on PATH: awsmfa is linked there, as pipx does), not of the
PATH status runs with: a virtualenv's bin folder on that PATH does not count.
"""
import datetime
import os

import pytest

from awsshell_setup.shells import rcblock
from awsshell_setup import shells

from shellkit import BIN, awsmfa, base_env, fake_completer, link_awsmfa, new_home


def _setup(tmp_path):
    home = new_home(tmp_path)
    env = base_env(home)
    comp = fake_completer(tmp_path / "fakebin")
    link_awsmfa(home)
    return home, env, comp


def status(env, *args):
    return awsmfa("status", *args, env=env, check=False)


def test_nothing_installed_is_exit_1(tmp_path):
    home, env, comp = _setup(tmp_path)
    result = status(env)
    assert result.returncode == 1 and "not set up" in result.stdout and "not all in place" in result.stdout


def test_installed_is_exit_0_with_files_completer_and_path(tmp_path):
    home, env, comp = _setup(tmp_path)
    awsmfa("install", "--shell", "bash", "--shell", "fish", "--yes", "--completer", comp, env=env)
    result = status(env)
    assert result.returncode == 0, result.stdout
    out = result.stdout
    assert "bash:\n  ~/.bashrc: current, with aws completion" in out
    assert "~/.config/fish/functions/mfa.fish: current" in out
    assert "~/.config/fish/completions/aws.fish: current, with aws completion" in out
    assert f"completer: {comp}: answers" in out
    assert f"awsmfa on PATH: {home}/.local/bin/awsmfa (for a new login bash)" in out
    assert "zsh:" not in out  # only the shells set up are looked at...
    asked = status(env, "--shell", "zsh")  # ...unless named
    assert asked.returncode == 1 and "~/.zshrc: missing" in asked.stdout


def test_outdated_block_broken_completer_and_missing_awsmfa_are_exit_1(tmp_path):
    home, env, comp = _setup(tmp_path)
    awsmfa("install", "--shell", "zsh", "--yes", "--completer", comp, env=env)
    assert status(env).returncode == 0
    text = (home / ".zshrc").read_text()
    (home / ".zshrc").write_text(text.replace("local out", "local out  # edited"))
    result = status(env)
    assert result.returncode == 1 and "differs from what this awsmfa writes" in result.stdout
    awsmfa("install", "--shell", "zsh", "--yes", "--completer", comp, env=env)
    assert status(env).returncode == 0
    os.chmod(comp, 0o644)  # the completer no longer runs
    result = status(env)
    assert result.returncode == 1 and "does not answer" in result.stdout
    os.chmod(comp, 0o755)
    os.unlink(home / ".local" / "bin" / "awsmfa")
    result = status(env)
    assert result.returncode == 1 and "awsmfa on PATH: no, not for a new login bash" in result.stdout


def test_awsmfa_only_on_a_virtualenvs_path_is_not_in_place(tmp_path):
    """Run from an activated virtualenv: awsmfa is on PATH now, but a new shell will not have it."""
    home = new_home(tmp_path)
    env = base_env(home, VIRTUAL_ENV=os.path.dirname(BIN))  # BIN first on PATH, as `activate` does
    comp = fake_completer(tmp_path / "fakebin")
    awsmfa("install", "--shell", "bash", "--yes", "--completer", comp, env=env)
    result = status(env)
    assert result.returncode == 1 and result.stdout.endswith("not all in place\n"), result.stdout
    line = next(line for line in result.stdout.splitlines() if line.startswith("awsmfa on PATH"))
    # ...nor a terminal of this session, which has not activated the virtualenv: one line for both.
    assert "not for a new bash, login shell or not" in line, line
    assert f'add `export PATH="$PATH:{BIN}"` to ~/.bashrc' in line, line


def test_rc_file_without_shell_takes_the_shell_its_block_names(tmp_path):
    home, env, comp = _setup(tmp_path)
    rc = tmp_path / "config.fish"
    fish = shells.by_name("fish")
    rc.write_text("set -g x 1\n" + rcblock.block_text(fish.render(fish.sections(True), comp)))
    result = status(env, "--rc-file", str(rc))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("fish:\n") and "config.fish: current, with aws completion" in result.stdout
    awsmfa("install", "--shell", "zsh", "--rc-file", str(tmp_path / "aws.zsh"), "--yes", "--completer", comp, env=env)
    assert status(env, "--rc-file", str(tmp_path / "aws.zsh")).stdout.startswith("zsh:\n")
    (tmp_path / "plain").write_text("export A=1\n")
    refused = status(env, "--rc-file", str(tmp_path / "plain"))
    assert refused.returncode == 2 and "names its shell: name it with --shell" in refused.stderr, refused.stderr


def test_stale_block_in_a_login_file_is_reported(tmp_path):
    home, env, comp = _setup(tmp_path)
    awsmfa("install", "--shell", "bash", "--yes", "--completer", comp, env=env)
    with open(home / ".profile", "a") as handle:  # it sources ~/.bashrc: a block there is stale
        handle.write(rcblock.block_text("# old\n"))
    result = status(env)
    assert result.returncode == 1 and "~/.profile: stale awsmfa block" in result.stdout


def test_session_time_left_is_reported(tmp_path):
    home, env, comp = _setup(tmp_path)
    awsmfa("install", "--shell", "bash", "--yes", "--completer", comp, env=env)
    (home / ".aws").mkdir()
    end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2, minutes=30)
    (home / ".aws" / "credentials").write_text(
        "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\n\n"
        "[mfa]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = s\naws_session_token = t\n"
        f"awsmfa_source_profile = default\nawsmfa_expiration = {end.strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
        "awsmfa_duration_seconds = 43200\n")
    result = status(env)
    assert result.returncode == 0
    assert "session: [mfa] of ~/.aws/credentials, from [default]" in result.stdout
    assert "2h 29m left" in result.stdout or "2h 30m left" in result.stdout
    expired = (home / ".aws" / "credentials").read_text().replace(end.strftime("%Y-%m-%d"), "2020-01-01")
    (home / ".aws" / "credentials").write_text(expired)
    result = status(dict(env, AWS_SESSION_TOKEN="t", AWS_PROFILE="mfa"))
    assert result.returncode == 0  # an expired session is not a broken setup
    assert "expired at 2020-01-01" in result.stdout and "this shell: AWS_PROFILE=mfa" in result.stdout


# Where a block for a bare --completer name lives, per shell (`awsmfa init SHELL >> FILE`).
BARE_NAME_FILES = {"bash": ".bashrc", "zsh": ".zshrc", "fish": ".config/fish/config.fish"}


def _bare_name_setup(tmp_path):
    """A home with the fake completer first on PATH, found there by its bare name."""
    home, env, comp = _setup(tmp_path)
    env["PATH"] = f"{os.path.dirname(comp)}{os.pathsep}{env['PATH']}"
    return home, env, comp


def test_a_bare_completer_name_is_current_and_said_where_it_is_looked_up(tmp_path):
    home, env, comp = _bare_name_setup(tmp_path)
    awsmfa("install", "--shell", "bash", "--shell", "zsh", "--yes", "--completer", "aws_completer", env=env)
    result = status(env)
    assert result.returncode == 0, result.stdout
    assert "~/.bashrc: current, with aws completion" in result.stdout
    assert "~/.zshrc: current, with aws completion" in result.stdout
    assert (f"completer: aws_completer, looked up at each Tab on PATH, then in /usr/bin, /usr/local/bin, "
            f"/usr/local/aws-cli/v2/current/bin, /usr/local/aws-cli, /usr/libexec, /opt/homebrew/bin, ~/.local/bin; "
            f"now {comp}: answers\n") in result.stdout, result.stdout


def test_a_bare_completer_name_found_nowhere_says_the_folders_once_and_what_to_do(tmp_path):
    home, env, comp = _setup(tmp_path)
    awsmfa("install", "--shell", "bash", "--yes", "--completer", "no_such_completer", env=env)
    result = status(env)
    assert result.returncode == 1, result.stdout
    line = next(line for line in result.stdout.splitlines() if line.startswith("completer: "))
    assert line == ("completer: no_such_completer, looked up at each Tab on PATH, then in /usr/bin, /usr/local/bin, "
                    "/usr/local/aws-cli/v2/current/bin, /usr/local/aws-cli, /usr/libexec, /opt/homebrew/bin, "
                    "~/.local/bin; now none found: does not answer (none found now: install the AWS CLI, or put it "
                    "on PATH)"), line


@pytest.mark.parametrize("shell_name", sorted(BARE_NAME_FILES))
def test_an_older_bare_name_block_is_updated_by_install(tmp_path, shell_name):
    """Blocks written before the bare name was looked for off PATH (`complete -C aws_completer
    aws`, fish's `aws_completer | string trim -r`): status says they differ, install updates
    them once, then there is nothing to change."""
    home, env, comp = _bare_name_setup(tmp_path)
    shell = shells.by_name(shell_name)
    old = shell.render(shell.sections(True), "/OLD/aws_completer").replace("/OLD/aws_completer", "aws_completer")
    assert "complete -C aws_completer aws\n" in old or "    aws_completer | string trim -r\n" in old
    rc = home / BARE_NAME_FILES[shell_name]
    rc.parent.mkdir(parents=True, exist_ok=True)
    with open(rc, "a", encoding="utf-8") as handle:
        handle.write(rcblock.block_text(old))
    where = "~/" + BARE_NAME_FILES[shell_name]
    result = status(env, "--shell", shell_name)
    assert result.returncode == 1, result.stdout
    assert f"{where}: differs from what this awsmfa writes (`awsmfa install` updates it)" in result.stdout
    said = awsmfa("install", "--shell", shell_name, "--yes", "--completer", "aws_completer", env=env).stderr
    assert f"updated the block in {where}" in said, said
    assert "complete -C aws_completer aws" not in rc.read_text()
    result = status(env, "--shell", shell_name)
    assert result.returncode == 0, result.stdout
    assert f"{where}: current, with aws completion" in result.stdout, result.stdout
    again = awsmfa("install", "--shell", shell_name, "--yes", "--completer", "aws_completer", env=env).stderr
    assert f"nothing to change: {shell_name} already set up" in again, again


def test_a_credentials_file_awsmfa_cannot_read_is_not_in_place_and_a_missing_profile_says_what_to_do(tmp_path):
    """With the shell set up: no profile yet is still exit 0 (a fresh account) but says to run
    `aws configure` first, not `mfa`, which would refuse; a credentials file awsmfa cannot read
    (here a directory) is exit 1, as `mfa` cannot work."""
    home, env, comp = _setup(tmp_path)
    awsmfa("install", "--shell", "bash", "--yes", "--completer", comp, env=env)
    fresh = status(env)
    assert fresh.returncode == 0, fresh.stdout
    assert ("session: no profile [default] in ~/.aws/credentials or ~/.aws/config yet (run `aws configure`, "
            "then `mfa`)\n") in fresh.stdout, fresh.stdout
    named = status(env, "--profile", "work")
    assert "(run `aws configure --profile work`, then `mfa --profile work`)" in named.stdout, named.stdout
    (tmp_path / "notafile").mkdir()
    broken = status(dict(env, AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "notafile")))
    assert broken.returncode == 1 and broken.stdout.endswith("not all in place\n"), broken.stdout
    line = next(line for line in broken.stdout.splitlines() if line.startswith("session:"))
    assert line == f"session: cannot tell: {tmp_path}/notafile is a directory, not a file", line


def test_a_block_in_a_file_with_crlf_line_ends_is_reported_not_a_traceback(tmp_path):
    """A ~/.bashrc saved with CRLF line ends (an editor on Windows, a checkout with autocrlf):
    the completer name read back ends in `\\r`, which no block could hold. One status line says
    the block differs, and install puts it right."""
    home, env, comp = _setup(tmp_path)
    awsmfa("install", "--shell", "bash", "--yes", "--completer", comp, env=env)
    rc = home / ".bashrc"
    rc.write_bytes(rc.read_bytes().replace(b"\n", b"\r\n"))
    result = status(env)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 1 and "~/.bashrc: differs from what this awsmfa writes" in result.stdout, result.stdout
    awsmfa("install", "--shell", "bash", "--yes", "--completer", comp, env=env)
    assert status(env).returncode == 0
