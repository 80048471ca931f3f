"""One smoke test per command, for the fast tier (docs/ARCHITECTURE.md §6): each runs the real
console entry (`python -m awsshell_setup`) for a throwaway user with no AWS to reach (a closed
port), and checks the one thing the command is for. The suites of each area go deeper.
"""
import os
import subprocess
import sys

import pytest

from awsenv import LONG_TERM, offline_user, stored_session

from awsshell_setup import cli

SESSION_KEY = "ASIACACHED"  # awsenv.CACHED_KEYS: the stored session's key id


@pytest.fixture
def user(tmp_path):
    home = tmp_path / "home"
    user = offline_user(home)
    user.write_credentials(LONG_TERM + stored_session())
    return user


def _ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


def test_every_command_has_a_smoke_test_here():
    tested = {name[len("test_"):].split("_", 1)[0] for name in globals() if name.startswith("test_")}
    assert set(cli.cli.commands) <= tested, sorted(set(cli.cli.commands) - tested)


def test_env_prints_the_stored_session_as_shell_code(user):
    out = _ok(user.awsmfa("env", "--shell", "bash")).stdout
    assert f"export AWS_ACCESS_KEY_ID={SESSION_KEY}" in out and "export AWS_PROFILE=mfa" in out


def test_login_reuses_the_stored_session_and_prints_nothing_secret(user):
    result = _ok(user.awsmfa("login"))
    assert result.stdout == "" and SESSION_KEY not in result.stderr and "[mfa]" in result.stderr


def test_exec_runs_the_command_with_the_session(user):
    result = _ok(user.awsmfa("exec", "--", sys.executable, "-c",
                             "import os; print(os.environ['AWS_ACCESS_KEY_ID'])"))
    assert result.stdout.strip() == SESSION_KEY


def test_unset_prints_what_removes_the_variables(user):
    out = _ok(user.awsmfa("unset", "--shell", "bash")).stdout
    assert "unset" in out and "AWS_SESSION_TOKEN" in out


def test_logout_removes_the_session_profile_only(user):
    _ok(user.awsmfa("logout"))
    assert user.read_credentials() == LONG_TERM


def test_init_prints_the_block_it_would_install(user):
    out = _ok(user.awsmfa("init", "bash", "--no-completion")).stdout
    assert out.startswith("# >>> awsmfa initialize >>>") and "function mfa" in out


def _install(user, tmp_path):
    rc_file = tmp_path / "home" / ".bashrc"
    rc_file.write_text("# mine\n")
    _ok(user.awsmfa("install", "--shell", "bash", "--rc-file", str(rc_file), "--no-completion", "--yes"))
    return rc_file


def test_install_writes_the_block(user, tmp_path):
    assert "function mfa" in _install(user, tmp_path).read_text()


def test_uninstall_removes_exactly_what_install_wrote(user, tmp_path):
    rc_file = _install(user, tmp_path)
    _ok(user.awsmfa("uninstall", "--shell", "bash", "--rc-file", str(rc_file), "--yes"))
    assert rc_file.read_text() == "# mine\n"


def test_status_names_the_session_and_its_time_left(user):
    result = user.awsmfa("status", "--shell", "bash")
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr  # 1: no block installed here
    assert "[mfa]" in result.stdout + result.stderr


def test_rotate_without_a_terminal_or_yes_refuses_before_anything(user):
    result = user.awsmfa("rotate")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "--yes" in result.stderr
