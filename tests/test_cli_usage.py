"""The command line itself: bare `awsmfa`, `--debug` on either side of the command, and a
standard output closed before awsmfa writes to it (`awsmfa env | head -c0`).

The endpoint is a closed port: nothing here calls AWS.
"""
import os
import subprocess
import sys

import pytest

from awsenv import LONG_TERM, offline_user, stored_session
from awsmfarun import run_awsmfa
from shellkit import base_env, fake_completer, new_home


@pytest.fixture
def user(tmp_path):
    return offline_user(tmp_path / "home", LONG_TERM + stored_session())


def test_bare_awsmfa_prints_its_help_as_help_does(tmp_path):
    env = base_env(new_home(tmp_path))
    bare = run_awsmfa([], env)
    helped = run_awsmfa(["--help"], env)
    assert bare.returncode == 0 and bare.stderr == "", bare.stderr
    assert bare.stdout == helped.stdout and "Usage: awsmfa [OPTIONS] COMMAND [ARGS]..." in bare.stdout
    # The columns are intact: the option and command tables keep their double-space alignment.
    assert "  --debug  " in bare.stdout and "  install  " in bare.stdout, bare.stdout


def test_debug_is_accepted_after_the_command_too(user, tmp_path):
    env = user.environ()
    for args in (["--debug", "env", "--shell", "bash"], ["env", "--debug", "--shell", "bash"],
                 ["env", "--shell", "bash", "--debug"]):
        result = run_awsmfa(args, env)
        assert result.returncode == 0 and "AWS_SESSION_TOKEN" in result.stdout, (args, result.stderr)
        assert "awsmfa: debug: reusing session in [mfa]" in result.stderr, (args, result.stderr)
    comp = fake_completer(tmp_path / "bin")
    home_env = base_env(new_home(tmp_path, "rc-home"))
    for args in (["install", "--debug", "--shell", "bash", "--dry-run", "--yes", "--completer", comp],
                 ["uninstall", "--debug", "--dry-run", "--yes"], ["init", "bash", "--debug", "--completer", comp],
                 ["status", "--debug", "--shell", "bash"], ["logout", "--debug", "--profile", "nosession"]):
        result = run_awsmfa(args, home_env)
        assert "No such option" not in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
        assert result.returncode in (0, 1), (args, result.stderr)


def _into_a_closed_pipe(args, env):
    """Run with stdout a pipe whose reading end is already closed: every write fails (EPIPE)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "awsshell_setup", *args], env=env, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60, stdin=subprocess.DEVNULL)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [["env", "--shell", "bash"], ["env", "--json"], ["env", "--shell", "bash", "--debug"],
                                  ["--help"]], ids=["fast path", "fast path json", "click path", "help"])
def test_a_closed_stdout_is_no_traceback(user, args):
    result = _into_a_closed_pipe(args, user.environ())
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr, result.stderr
    assert "Exception ignored" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
