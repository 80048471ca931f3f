"""Secrets: never on stderr, in any command path; files that hold them are 0600 from birth.

* Every path of every command, with --debug: fresh and cached sessions, env (shell and JSON),
  login, status, a wrong code, an unreachable or faulty endpoint (a malformed answer carrying
  a token), unparsable files whose broken line holds the long-term secret, and the terminal
  prompt. None may show the source profile's secret key or a session's secret key or token on
  stderr (login, status: nor on stdout; env prints them on stdout only, which is its job).
* Modes: awsmfa runs under umask 000 (the worst a user can have) with os.open and os.replace
  wrapped to fstat every file it creates in the AWS folder at the instant of creation, before a
  byte is written, and again just before the rename. Each must be 0600 (and ~/.aws, when
  awsmfa creates it, 0700).
"""
import collections
import json
import os
import re
import stat
import subprocess
import sys

import pexpect
import pytest

from awsenv import AWSMFA, AwsUser
from awsshell_setup.localaws.faults import MALFORMED_SECRET

FIGURES = collections.Counter()  # printed by conftest.pytest_terminal_summary
FAST = {"AWSMFA_READ_TIMEOUT": "1", "AWSMFA_CONNECT_TIMEOUT": "1"}


def stored_secrets(user):
    """Every secret value in the credentials file now (long-term and session)."""
    text = user.read_credentials()
    return set(re.findall(r"^(?:aws_secret_access_key|aws_session_token)\s*=\s*(\S+)", text, re.M))


def assert_no_secret(text, secrets, where):
    for secret in secrets:
        assert secret not in text, f"a secret ({secret[:4]}...) reached {where}"
    FIGURES["outputs (stderr, stdout) checked for secrets"] += 1


def test_no_secret_on_stderr_in_any_path_with_debug(user, local_aws, seed_user):
    secrets = {seed_user.secret_access_key, MALFORMED_SECRET, MALFORMED_SECRET[::-1]}
    code = lambda: local_aws.fresh_code(seed_user.serial_number)  # noqa: E731
    runs = []

    def run(*args, env=None, stdout_may_hold_secrets=False):
        result = user.awsmfa("--debug", *args, env={**FAST, **(env or {})})
        runs.append((args, result, stdout_may_hold_secrets))
        return result

    assert run("login", "--token-code", code()).returncode == 0
    secrets |= stored_secrets(user)
    assert run("login").returncode == 0                                     # cached
    assert run("env", "--shell", "bash", stdout_may_hold_secrets=True).returncode == 0
    assert run("env", "--json", stdout_may_hold_secrets=True).returncode == 0
    assert run("env", "--force", "--shell", "fish", "--token-code", code(), stdout_may_hold_secrets=True).returncode == 0
    secrets |= stored_secrets(user)
    assert run("status").returncode in (0, 1)
    assert run("login", "--force", "--token-code", "000000").returncode == 1  # wrong code
    for kind in ("reset", "500", "throttle", "malformed", "hang"):
        local_aws.fail_next(kind, None)
        assert run("login", "--force", "--token-code", code()).returncode == 1
        local_aws.heal()
    with local_aws.down():
        assert run("env", "--force", "--token-code", code()).returncode == 1
    assert run("login", "--force", "--token-code", code(), env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}).returncode == 1

    for args, result, stdout_ok in runs:
        assert_no_secret(result.stderr, secrets, f"stderr of awsmfa --debug {' '.join(args)}")
        assert "Traceback" not in result.stderr, result.stderr
        if not stdout_ok:
            assert_no_secret(result.stdout, secrets, f"stdout of awsmfa --debug {' '.join(args)}")
    assert len(runs) == 14


BROKEN = {
    "a secret line with no = or :": "[default]\naws_access_key_id = AKIA1\naws_secret_access_key {secret}\n",
    "a secret line before any section": "aws_secret_access_key = {secret}\n[default]\naws_access_key_id = AKIA1\n",
    "a secret key twice": "[default]\naws_secret_access_key = x\naws_secret_access_key = {secret}\n",
    "a section twice": "[default]\naws_secret_access_key = {secret}\n[default]\naws_secret_access_key = {secret}\n",
    "a lone carriage return": "[default]\naws_secret_access_key = {secret}\r# old mac\n",
}


@pytest.mark.parametrize("command", ["env", "login"])
@pytest.mark.parametrize("kind", list(BROKEN))
def test_unparsable_files_are_not_quoted(tmp_path, kind, command):
    """configparser's errors quote the offending line; awsmfa says which file and what, not the line."""
    user = AwsUser(tmp_path / "home", endpoint_url="http://127.0.0.1:9")
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    user.write_credentials(BROKEN[kind].format(secret=secret))
    before = user.read_credentials()
    result = user.awsmfa("--debug", command, "--token-code", "123456")
    assert result.returncode == 1 and "cannot parse" in result.stderr
    assert_no_secret(result.stderr + result.stdout, {secret}, f"awsmfa {command} on a file with {kind}")
    assert user.read_credentials() == before


def test_the_terminal_prompt_shows_no_secret(user, local_aws, seed_user):
    """login at a terminal, with --debug: the whole transcript (prompt, summary) holds none."""
    child = pexpect.spawn(AWSMFA[0], AWSMFA[1:] + ["--debug", "login"], env=user.environ(), encoding="utf-8",
                          timeout=60)
    child.expect_exact(f"MFA code for {seed_user.serial_number}: ")
    child.sendline(local_aws.fresh_code(seed_user.serial_number))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    secrets = stored_secrets(user) | {seed_user.secret_access_key}
    assert len(secrets) == 3
    assert_no_secret(child.before, secrets, "the terminal of awsmfa --debug login")


# --- modes from birth ----------------------------------------------------------------------------

WATCH = r'''
import json, os, stat, sys
os.umask(0)  # the worst case: without care, a new file would be 0666, a folder 0777
folder = os.environ["WATCH_FOLDER"]
events = []
real_open, real_replace, real_mkdir = os.open, os.replace, os.mkdir

def inside(path):
    return os.path.abspath(os.fsdecode(path)).startswith(folder)

def watched_open(path, flags, mode=0o777, *args, **kwargs):
    fd = real_open(path, flags, mode, *args, **kwargs)
    if flags & os.O_CREAT and inside(path):
        info = os.fstat(fd)  # the instant it exists, before any byte is written
        events.append(["created", os.path.basename(path), stat.S_IMODE(info.st_mode), info.st_size])
    return fd

def watched_replace(src, dst, *args, **kwargs):
    if inside(dst):
        info = os.stat(src)
        events.append(["renamed", os.path.basename(src), stat.S_IMODE(info.st_mode), info.st_size])
    return real_replace(src, dst, *args, **kwargs)

def watched_mkdir(path, mode=0o777, *args, **kwargs):
    real_mkdir(path, mode, *args, **kwargs)
    if inside(path):
        events.append(["folder", os.path.basename(path), stat.S_IMODE(os.stat(path).st_mode), 0])

import builtins, io
real_builtin_open = builtins.open

def watched_builtin_open(file, mode="r", *args, **kwargs):
    new = isinstance(file, (str, bytes, os.PathLike)) and inside(file) and not os.path.exists(file)
    handle = real_builtin_open(file, mode, *args, **kwargs)
    if new and os.path.exists(file):  # created by open() itself, at the umask's mode
        info = os.fstat(handle.fileno())
        events.append(["created", os.path.basename(file), stat.S_IMODE(info.st_mode), info.st_size])
    return handle

os.open, os.replace, os.mkdir = watched_open, watched_replace, watched_mkdir
builtins.open = io.open = watched_builtin_open
from awsshell_setup.__main__ import main
try:
    status = main(sys.argv[1:])
finally:
    with open(os.environ["WATCH_LOG"], "w") as log:
        json.dump(events, log)
sys.exit(status)
'''


def watched_login(user, local_aws, seed_user, tmp_path, env=None):
    log = tmp_path / "events.json"
    environ = user.environ(WATCH_FOLDER=user.home, WATCH_LOG=str(log), **(env or {}))
    result = subprocess.run([sys.executable, "-c", WATCH, "login", "--token-code",
                             local_aws.fresh_code(seed_user.serial_number)],
                            env=environ, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    return json.loads(log.read_text())


def test_files_with_secrets_are_0600_from_the_moment_they_exist(user, local_aws, seed_user, tmp_path):
    os.chmod(user.credentials, 0o644)  # as some tools leave it
    events = watched_login(user, local_aws, seed_user, tmp_path)
    created = [event for event in events if event[0] == "created"]
    renamed = [event for event in events if event[0] == "renamed"]
    assert created and renamed, events
    for kind, name, mode, size in created:
        # Temporary files (they get the secrets) and the empty lock file of the turn to prompt.
        assert name.endswith((".awsmfa-tmp", ".awsmfa-lock")) and mode == 0o600 and size == 0, events
    for kind, name, mode, size in renamed:
        assert mode == 0o600 and size > 0, events
    assert user.credentials_mode() == 0o600
    FIGURES["files created with secrets, mode at creation and at rename 0600"] += len(created)


def test_a_first_login_makes_the_aws_folder_0700_and_the_file_0600(tmp_path, local_aws, seed_user):
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    os.rmdir(user.aws_dir)
    config = tmp_path / "config"  # long-term keys in the config file: no ~/.aws yet
    config.write_text(f"[default]\naws_access_key_id = {seed_user.access_key_id}\n"
                      f"aws_secret_access_key = {seed_user.secret_access_key}\nregion = us-east-1\n"
                      f"mfa_serial = {seed_user.serial_number}\n")
    events = watched_login(user, local_aws, seed_user, tmp_path, env={"AWS_CONFIG_FILE": str(config)})
    assert ["folder", ".aws", 0o700, 0] in events, events
    assert [event[2] for event in events if event[0] in ("created", "renamed")] == [0o600] * 3, events
    assert stat.S_IMODE(os.stat(user.aws_dir).st_mode) == 0o700 and user.credentials_mode() == 0o600
    FIGURES["files created with secrets, mode at creation and at rename 0600"] += 1
