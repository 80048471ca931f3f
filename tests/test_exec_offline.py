"""`awsmfa exec [env options] -- COMMAND [ARGS]` with a stored session, where no AWS call can
succeed (the endpoint is a closed port).

awsmfa replaces itself with the command (execve): the command's pid is awsmfa's, so signals
sent to it reach the command; its exit status is the command's; standard output is the
command's alone. The command's environment holds what `env` would export into a shell.
"""
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from awsenv import (AWSMFA, BASE, LONG_TERM, MFA_KEYS, OPS_ARN, SERIAL, offline_user, renewing_profile,
                    stored_role_session, stored_session)
from awsshell_setup.core import timeutil

NAMES = ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION")
PRINT_AWS = "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith('AWS_')}))"


@pytest.fixture
def user(tmp_path):
    """awsenv's offline user with a session [mfa] of [default], an hour left."""
    return offline_user(tmp_path / "home", LONG_TERM + stored_session())


def no_terminal(user, *args, env=None, input=None):
    return subprocess.run(["setsid", "-w"] + AWSMFA + list(args), env=user.environ(**(env or {})),
                          capture_output=True, text=True, timeout=60,
                          input=input, stdin=None if input is not None else subprocess.DEVNULL)


def aws_variables(text):
    return json.loads(text)


def test_the_exit_status_is_the_commands(user):
    for status in (0, 1, 7, 255):
        result = no_terminal(user, "exec", "--", "sh", "-c", f"exit {status}")
        assert result.returncode == status, result.stderr


def test_stdout_is_the_commands_alone(user):
    for args in (["exec", "--", "printf", "hello"], ["exec", "-q", "--", "printf", "hello"]):
        result = no_terminal(user, *args)
        assert result.returncode == 0 and result.stdout == "hello", result
    assert "reusing session in profile [mfa]" in no_terminal(user, "exec", "--", "true").stderr
    assert no_terminal(user, "exec", "-q", "--", "true").stderr == ""


def test_the_command_gets_what_env_exports(user):
    result = no_terminal(user, "exec", "--", sys.executable, "-c", PRINT_AWS,
                         env={"AWS_ACCESS_KEY_ID": "AKIAAMBIENT", "AWS_SESSION_TOKEN": "ambienttoken"})
    assert result.returncode == 0, result.stderr
    got = aws_variables(result.stdout)
    assert {name: got.get(name) for name in NAMES} == {
        "AWS_PROFILE": "mfa", "AWS_ACCESS_KEY_ID": "ASIACACHED", "AWS_SECRET_ACCESS_KEY": "sessionsecret",
        "AWS_SESSION_TOKEN": "cachedtoken", "AWS_CREDENTIAL_EXPIRATION": got["AWS_CREDENTIAL_EXPIRATION"]}
    # ... exactly what `eval "$(awsmfa env)"` leaves in bash.
    shell = subprocess.run(["bash", "-c", f'eval "$({" ".join(AWSMFA)} env --shell bash -q)" && '
                                          f'"{sys.executable}" -c "{PRINT_AWS}"'],
                           env=user.environ(AWS_ACCESS_KEY_ID="AKIAAMBIENT", AWS_SESSION_TOKEN="ambienttoken"),
                           capture_output=True, text=True, timeout=60)
    assert aws_variables(shell.stdout) == got


def role_files(user):
    """[base] with its MFA session [base-mfa], and the role session [ops-mfa] made from it."""
    user.write_credentials(BASE + stored_session("base-mfa", "base", 6 * 3600, keys=MFA_KEYS)
                           + stored_role_session("ops-mfa", "ops", OPS_ARN, mfa_profile="base-mfa"))
    user.write_config(f"[profile base]\nregion = eu-west-1\nmfa_serial = {SERIAL}\n\n"
                      f"[profile ops]\nrole_arn = {OPS_ARN}\nsource_profile = base\nregion = eu-west-1\n"
                      + renewing_profile("ops-mfa-auto", "ops"))


def test_a_role_command_gets_the_renewing_profile_and_no_keys(user):
    role_files(user)
    ambient = {"AWS_ACCESS_KEY_ID": "AKIAAMBIENT", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}
    result = no_terminal(user, "exec", "--profile", "ops", "--", sys.executable, "-c", PRINT_AWS, env=ambient)
    assert result.returncode == 0, result.stderr
    got = aws_variables(result.stdout)
    assert got["AWS_PROFILE"] == "ops-mfa-auto"
    assert timeutil.parse_utc(got["AWS_CREDENTIAL_EXPIRATION"]) > timeutil.now() + dt.timedelta(hours=5)
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} & set(got)
    shell = subprocess.run(["bash", "-c", f'eval "$({" ".join(AWSMFA)} env --profile ops --shell bash -q)" && '
                                          f'"{sys.executable}" -c "{PRINT_AWS}"'],
                           env=user.environ(**ambient), capture_output=True, text=True, timeout=60)
    assert aws_variables(shell.stdout) == got


SIGNAL_PROBE = """
import os, signal, sys, time
def stop(number, frame):
    print("got", number, flush=True)
    sys.exit(42)
signal.signal(signal.SIGTERM, stop)
print(os.getpid(), flush=True)
time.sleep(60)
"""


def test_a_signal_to_awsmfas_pid_reaches_the_command(user):
    child = subprocess.Popen(AWSMFA + ["exec", "-q", "--", sys.executable, "-c", SIGNAL_PROBE],
                             env=user.environ(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             stdin=subprocess.DEVNULL)
    try:
        pid = int(child.stdout.readline())
        assert pid == child.pid  # awsmfa became the command: no process in between
        os.kill(child.pid, signal.SIGTERM)
        assert child.stdout.readline().strip() == f"got {int(signal.SIGTERM)}"
        assert child.wait(timeout=30) == 42
    finally:
        child.kill()
        child.wait()


def test_the_command_starts_with_default_signal_dispositions(user):
    # Python ignores SIGPIPE and SIGXFSZ; an exec'd command must not inherit that (`awsmfa exec
    # -- yes | head` must end by SIGPIPE, as it does run from a shell).
    probe = ["sh", "-c", "grep SigIgn /proc/self/status"]
    direct = subprocess.run(probe, env=user.environ(), capture_output=True, text=True, timeout=30)
    through = no_terminal(user, "exec", "-q", "--", *probe)
    assert through.returncode == 0 and through.stdout == direct.stdout, (through.stdout, direct.stdout)
    piped = subprocess.run(["bash", "-c", f'{" ".join(AWSMFA)} exec -q -- yes | head -n 1; '
                                          'echo "${PIPESTATUS[0]}"'],
                           env=user.environ(), capture_output=True, text=True, timeout=60)
    assert piped.stdout.split() == ["y", str(128 + signal.SIGPIPE)], piped


def test_stdin_is_the_commands(user):
    result = no_terminal(user, "exec", "-q", "--", "cat", input="from stdin\n")
    assert result.returncode == 0 and result.stdout == "from stdin\n"


def test_options_after_the_command_are_the_commands(user):
    result = no_terminal(user, "exec", "-q", "sh", "-c", 'echo "$1 $2"', "sh", "--profile", "--json")
    assert result.returncode == 0 and result.stdout == "--profile --json\n", result.stderr


@pytest.mark.parametrize("stored", [True, False], ids=["session stored", "no session"])
def test_a_command_not_found_is_one_line_and_127_before_any_code(user, stored):
    if not stored:
        user.write_credentials(LONG_TERM)
    before = user.read_credentials()
    result = no_terminal(user, "exec", "--", "no-such-command-awsmfa", "arg")
    assert result.returncode == 127 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no-such-command-awsmfa" in lines[0] and "not found" in lines[0], result.stderr
    assert "terminal" not in result.stderr and "cannot reach" not in result.stderr  # no code asked, no call
    assert user.read_credentials() == before


def test_a_file_that_is_not_executable_is_126(user, tmp_path):
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho ran\n")
    script.chmod(0o644)
    result = no_terminal(user, "exec", "--", str(script))
    assert result.returncode == 126 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "not executable" in result.stderr, result.stderr


def test_no_command_is_a_usage_error(user):
    result = no_terminal(user, "exec")
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_no_session_means_no_command(user, tmp_path):
    user.write_credentials(LONG_TERM)
    mark = tmp_path / "ran"
    result = no_terminal(user, "exec", "--token-code", "123456", "--", "touch", str(mark))
    assert result.returncode == 1 and "cannot reach" in result.stderr
    assert not mark.exists()


def test_the_cached_exec_costs_no_botocore(user):
    started = time.monotonic()
    result = subprocess.run(AWSMFA[:1] + ["-X", "importtime"] + AWSMFA[1:] + ["exec", "-q", "--", "true"],
                            env=user.environ(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert not {name for name in imported if name.split(".")[0] in ("botocore", "boto3")}
    assert time.monotonic() - started < 30
