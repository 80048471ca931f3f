"""`awsmfa env --json` as a credential_process runs once per session, not once per SDK call.

botocore treats process credentials with under 15 minutes left as due for refresh (under 10
as mandatory: RefreshableCredentials' advisory and mandatory timeouts), and refreshes by
running the process again before each request. A session awsmfa still reuses (its own margin
is 5 minutes) but botocore finds due made every call run awsmfa: 11 runs for 10 calls. So for
--json awsmfa renews a session with under 15 minutes + 1 left, when the session is long
enough for that to help (at least 32 minutes); a shorter one is still answered from the cache
on every run, without a prompt, as botocore cannot be satisfied by any session that short.

The SDK here is the real botocore (in one process, as Terraform or a Python program keeps
one) and the real AWS CLI, with a profile whose credential_process is a wrapper that counts
its runs and passes awsmfa a code (a token source; a renewal spends it).
"""
import datetime as dt
import re
import subprocess
import sys

import pytest

from awsenv import AwsUser, add_process_profile, seed_user_files
from awsshell_setup.core import timeutil
from awscli import aws_command

CALLS = 10
SDK_CALLS = f"""
import botocore.session
client = botocore.session.Session().create_client("sts", region_name="us-east-1")
for _ in range({CALLS}):
    client.get_caller_identity()
"""


@pytest.fixture
def user(tmp_path, local_aws, seed_user):
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, seed_user)
    runs, code = tmp_path / "runs", tmp_path / "code"
    add_process_profile(user, tmp_path, code, runs_file=runs)
    user.runs, user.code = runs, code
    return user


def stored_session_with(user, local_aws, seed_user, duration, minutes_left):
    """A real session from the local AWS, stored by `login`, then given the expiry we want
    (the local AWS keeps it valid for its real duration either way)."""
    result = user.awsmfa("login", "--duration-seconds", str(duration), "--token-code",
                         local_aws.fresh_code(seed_user.serial_number))
    assert result.returncode == 0, result.stderr
    expiration = timeutil.format_utc(timeutil.now() + dt.timedelta(minutes=minutes_left))
    text = re.sub(r"awsmfa_expiration = \S+", f"awsmfa_expiration = {expiration}", user.read_credentials())
    user.write_credentials(text)
    user.code.write_text(local_aws.fresh_code(seed_user.serial_number))  # for a renewal, if any
    user.runs.write_text("")


def runs(user):
    return len(user.runs.read_text().splitlines())


# (session length, minutes left, runs for 10 SDK calls, sessions issued in all)
CASES = [
    (43200, 12, 1, 2),   # under botocore's 15 min: renewed once, then 12 h of quiet
    (43200, 20, 1, 1),   # more than 16 min left: reused, and botocore is content with it
    (1800, 14, CALLS + 1, 1),  # too short to satisfy botocore for long: reused, never re-prompted
    (900, 14, CALLS + 1, 1),   # a 900 s session is always "due" for botocore: reused from the cache
]


@pytest.mark.parametrize("duration, minutes_left, expected_runs, sessions", CASES,
                         ids=[f"{d}s-session-{m}min-left" for d, m, _, _ in CASES])
def test_botocore_runs_awsmfa_once_per_session(user, local_aws, seed_user, duration, minutes_left,
                                                expected_runs, sessions):
    stored_session_with(user, local_aws, seed_user, duration, minutes_left)
    result = subprocess.run([sys.executable, "-c", SDK_CALLS], env=user.environ(AWS_PROFILE="viaprocess"),
                            capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert (runs(user), len(local_aws.sessions.all())) == (expected_runs, sessions)


def test_one_aws_cli_command_runs_awsmfa_once(user, local_aws, seed_user):
    stored_session_with(user, local_aws, seed_user, 43200, 12)
    result = subprocess.run(aws_command() + ["sts", "get-caller-identity"], env=user.environ(AWS_PROFILE="viaprocess"),
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0 and seed_user.user_arn in result.stdout, result.stderr
    assert runs(user) == 1 and len(local_aws.sessions.all()) == 2


def test_the_shell_path_keeps_its_own_margin(user, local_aws, seed_user):
    """`mfa` in a shell exports static keys: 12 minutes left is still worth reusing there."""
    stored_session_with(user, local_aws, seed_user, 43200, 12)
    result = user.awsmfa("env", "--shell", "bash")  # no code, no terminal: a renewal would fail
    assert result.returncode == 0 and "reusing session" in result.stderr, result.stderr
    assert len(local_aws.sessions.all()) == 1
