"""awsmfa against a local AWS that fails on purpose (LocalAWS.fail_next / down, faults.py).

For each fault (connection reset, no answer, HTTP 500, throttling, malformed XML, nothing
listening): one clear line on stderr, nothing on stdout, a bounded wait (measured), exactly the
requests that are safe to make (GetSessionToken is never sent twice once AWS may have acted on
it: its MFA code would be spent), no secret on stderr, and the credentials file untouched.
"""
import collections
import os
import stat
import time

import pytest

from awsenv import AwsUser, seed_user_files
from awsshell_setup.localaws import list_own_mfa_devices_statement, provision_seed
from awsshell_setup.localaws.faults import MALFORMED_SECRET

FIGURES = collections.OrderedDict()  # printed by conftest.pytest_terminal_summary
STARTUP = 4.0  # slack for starting Python and botocore on a busy 2-core machine

# kind: (words of the one line, requests the server must see, safe to retry with the same code)
FAULTS = {
    "reset": ("closed the connection without answering GetSessionToken", 1, False),
    "hang": ("did not answer GetSessionToken within 2 s", 1, False),
    "500": ("AWS failed to answer GetSessionToken (HTTP 500 InternalFailure", 3, True),
    "throttle": ("AWS is throttling GetSessionToken requests (Throttling: Rate exceeded); 3 attempts", 3, True),
    "malformed": ("is not valid AWS XML", 1, False),
    "down": ("connection refused or no route; 3 attempts", 0, True),
}
FAST = {"AWSMFA_READ_TIMEOUT": "2", "AWSMFA_CONNECT_TIMEOUT": "2"}


@pytest.fixture
def user(tmp_path, local_aws, seed_user):
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, seed_user)
    local_aws.faults.seen = 0  # count awsmfa's requests only, not the provisioning's
    return user


def state(user):
    folder = os.listdir(user.aws_dir)
    return user.read_credentials(), user.credentials_mode(), sorted(folder)


def run(local_aws, user, kind, *args, env=None):
    """awsmfa with `kind` failing every request; (result, seconds)."""
    started = time.monotonic()
    if kind == "down":
        with local_aws.down():
            result = user.awsmfa(*args, env=env)
    else:
        local_aws.fail_next(kind, None)
        try:
            result = user.awsmfa(*args, env=env)
        finally:
            local_aws.heal()
    return result, time.monotonic() - started


def assert_one_clear_line(result, words, *secrets):
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("awsmfa: error: "), result.stderr
    assert words in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    for secret in (MALFORMED_SECRET, MALFORMED_SECRET[::-1]) + secrets:
        assert secret not in result.stderr


# env and login share session.obtain: each fault runs through one of them, both commands covered.
@pytest.mark.parametrize("kind, command", [("reset", "login"), ("hang", "env"), ("500", "login"),
                                           ("throttle", "env"), ("malformed", "login"), ("down", "env")])
def test_each_fault_gives_one_line_a_bounded_wait_and_no_write(user, local_aws, seed_user, kind, command):
    words, requests, _ = FAULTS[kind]
    before = state(user)
    result, took = run(local_aws, user, kind, command, "--token-code", local_aws.fresh_code(seed_user.serial_number),
                       env=FAST)
    assert_one_clear_line(result, words, seed_user.secret_access_key)
    assert local_aws.requests_seen == requests
    assert state(user) == before
    # The wait: the read timeout once for a hang (never retried: the code may be spent),
    # at most ~1.5 s of backoff for what is retried.
    assert took < (2.0 if kind == "hang" else 1.5) + STARTUP, took
    FIGURES[f"{kind} ({command}): requests, seconds"] = f"{local_aws.requests_seen}, {took:.1f}"


@pytest.mark.parametrize("kind", [kind for kind, (_, _, retry) in FAULTS.items() if retry and kind != "down"])
def test_a_passing_fault_is_retried_with_the_same_code(user, local_aws, seed_user, kind):
    # Throttling and 500s are answered before AWS acts on the request: the code is not spent.
    local_aws.fail_next(kind, 2)
    result = user.awsmfa("login", "--token-code", local_aws.fresh_code(seed_user.serial_number), env=FAST)
    assert result.returncode == 0, result.stderr
    assert local_aws.requests_seen == 3 and local_aws.faults.served[kind] == 2
    assert "new session in profile [mfa]" in result.stderr
    assert user.credentials_mode() == 0o600


def test_a_hang_with_the_default_timeouts_costs_one_read_timeout(user, local_aws, seed_user):
    """The real bound, no environment override: 10 s (it was 4 attempts of 15 s: 66 s)."""
    before = state(user)
    result, took = run(local_aws, user, "hang", "login", "--token-code", local_aws.fresh_code(seed_user.serial_number))
    assert_one_clear_line(result, "did not answer GetSessionToken within 10 s", seed_user.secret_access_key)
    assert local_aws.requests_seen == 1 and state(user) == before
    assert 10 <= took < 10 + STARTUP, took
    FIGURES["hang with default timeouts (login): requests, seconds"] = f"1, {took:.1f}"


def test_discovery_is_retried_until_the_deadline(tmp_path, local_aws):
    """ListMFADevices is safe to repeat, so a hang is retried, but no attempt starts past
    AWSMFA_DEADLINE: 1 s timeouts and a 2.5 s deadline make at most 3 s of waiting."""
    seed = provision_seed(local_aws, user_name="finder", extra_statements=[list_own_mfa_devices_statement(
        f"arn:aws:iam::{local_aws.account_id}:user/finder")])
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, seed, serial_in=None)
    before = state(user)
    local_aws.faults.seen = 0
    result, took = run(local_aws, user, "hang", "login", "--token-code", "123456",
                       env={"AWSMFA_READ_TIMEOUT": "1", "AWSMFA_DEADLINE": "2.5"})
    assert_one_clear_line(result, "did not answer ListMFADevices within 1 s; 2 attempts", seed.secret_access_key)
    assert local_aws.requests_seen == 2 and state(user) == before
    assert took < 3 + STARTUP, took
    FIGURES["hang during MFA device discovery, 2.5 s deadline: requests, seconds"] = f"2, {took:.1f}"


@pytest.mark.parametrize("value", ["0", "-1", "soon", "99999"])
def test_a_bad_timeout_setting_is_refused_before_any_call(user, local_aws, seed_user, value):
    before = state(user)
    result = user.awsmfa("login", "--token-code", "123456", env={"AWSMFA_READ_TIMEOUT": value})
    assert result.returncode == 2 and "AWSMFA_READ_TIMEOUT must be a number of seconds" in result.stderr
    assert local_aws.requests_seen == 0 and state(user) == before


def test_fault_plan_counts_and_heals(local_aws):
    """The fault machinery itself: N faults then normal answers; heal() clears the rest."""
    import botocore.exceptions

    sts = local_aws.client("sts")
    local_aws.faults.seen = 0
    local_aws.fail_next("throttle", 2)
    for _ in range(2):
        with pytest.raises(botocore.exceptions.ClientError, match="Throttling"):
            sts.get_caller_identity()
    assert sts.get_caller_identity()["Account"] == local_aws.account_id
    local_aws.fail_next("500", None)
    with pytest.raises(botocore.exceptions.ClientError, match="InternalFailure"):
        sts.get_caller_identity()
    local_aws.heal()
    assert sts.get_caller_identity()["Account"] == local_aws.account_id
    assert local_aws.requests_seen == 5 and dict(local_aws.faults.served) == {"throttle": 2, "500": 1}
    with pytest.raises(ValueError):
        local_aws.fail_next("meteor")
