"""awsmfa against a local AWS that fails on purpose (LocalAWS.fail_next / down, faults.py).

For each fault (connection reset, no answer, HTTP 500, throttling, malformed XML, nothing
listening): one clear line on stderr, nothing on stdout, a bounded wait (measured), exactly the
requests that are safe to make (GetSessionToken is never sent twice once AWS may have acted on
it: its MFA code would be spent), no secret on stderr, and the credentials file untouched.

Timing on a loaded 2-core machine: starting Python and botocore can take seconds there, so the
upper bounds are on the wait from the first request the server saw to the end of the run (the
part awsmfa's timeouts and deadline decide); lower bounds are on the whole run, which is never
shorter than the waits inside it. Counts of requests are exact only where no timer decides them.
"""
import collections
import os
import subprocess
import time

import pytest

from awsenv import AWSMFA, AwsUser, seed_user_files
from awsshell_setup.localaws import list_own_mfa_devices_statement, provision_seed
from awsshell_setup.localaws.faults import MALFORMED_SECRET

FIGURES = collections.OrderedDict()  # printed by conftest.pytest_terminal_summary
# Slack on a wait measured from the first request: turning the failure into a line and exiting,
# on a machine whose cores are busy with other work.
SLACK = 3.0

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
def user(user, local_aws):
    local_aws.faults.seen = 0  # count awsmfa's requests only, not the provisioning's
    return user


def state(user):
    folder = os.listdir(user.aws_dir)
    return user.read_credentials(), user.credentials_mode(), sorted(folder)


class Run:
    """One awsmfa run: its result, the whole run's seconds, and the seconds from the server's
    first request to the end (None when no request reached the server)."""

    def __init__(self, result, took, waited):
        self.result, self.took, self.waited = result, took, waited


def run(local_aws, user, kind, *args, env=None):
    """awsmfa with `kind` failing every request."""
    if kind == "down":
        with local_aws.down():
            return watched(local_aws, user, args, env)
    local_aws.fail_next(kind, None)
    try:
        return watched(local_aws, user, args, env)
    finally:
        local_aws.heal()


def watched(local_aws, user, args, env):
    """Run awsmfa, noting when the server sees its first request. Seen late under load (the
    poll lags), never early: `waited` can only come out shorter than the truth, `took` never."""
    seen_before = local_aws.faults.seen
    started = time.monotonic()
    process = subprocess.Popen(AWSMFA + list(args), env=user.environ(**(env or {})), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = None
    while process.poll() is None:
        if first is None and local_aws.faults.seen > seen_before:
            first = time.monotonic()
        time.sleep(0.005)
    out, err = process.communicate(timeout=60)
    ended = time.monotonic()
    result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return Run(result, ended - started, None if first is None else ended - first)


def assert_one_clear_line(result, words, *secrets):
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("awsmfa: error: "), result.stderr
    assert words in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    for secret in (MALFORMED_SECRET, MALFORMED_SECRET[::-1]) + secrets:
        assert secret not in result.stderr


# env and login share mfasession.obtain: each fault runs through one of them, both commands covered.
@pytest.mark.parametrize("kind, command", [("reset", "login"), ("hang", "env"), ("500", "login"),
                                           ("throttle", "env"), ("malformed", "login"), ("down", "env")])
def test_each_fault_gives_one_line_a_bounded_wait_and_no_write(user, local_aws, seed_user, kind, command):
    words, requests, _ = FAULTS[kind]
    before = state(user)
    done = run(local_aws, user, kind, command, "--token-code", local_aws.fresh_code(seed_user.serial_number), env=FAST)
    assert_one_clear_line(done.result, words, seed_user.secret_access_key)
    assert local_aws.requests_seen == requests
    assert state(user) == before
    # The wait: the read timeout once for a hang (never retried: the code may be spent), at
    # most 0.5 + 1 s of backoff for what is retried. Nothing reaches the server when it is
    # down: there awsmfa's own count of seconds since its first attempt is the measure.
    if kind == "down":
        waited = float(done.result.stderr.split("3 attempts in ")[1].split(" s")[0])
    else:
        waited = done.waited
    assert waited < (2.0 if kind == "hang" else 1.5) + SLACK, waited
    if kind == "hang":
        assert done.took >= 2.0, done.took
    FIGURES[f"{kind} ({command}): requests, seconds waited"] = f"{local_aws.requests_seen}, {waited:.1f}"


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
    done = run(local_aws, user, "hang", "login", "--token-code", local_aws.fresh_code(seed_user.serial_number))
    assert_one_clear_line(done.result, "did not answer GetSessionToken within 10 s", seed_user.secret_access_key)
    assert local_aws.requests_seen == 1 and state(user) == before
    assert done.took >= 10 and done.waited < 10 + SLACK, (done.took, done.waited)
    FIGURES["hang with default timeouts (login): requests, seconds waited"] = f"1, {done.waited:.1f}"


def test_discovery_is_retried_until_the_deadline(tmp_path, local_aws):
    """ListMFADevices is safe to repeat, so a hang is retried, but no attempt starts past
    AWSMFA_DEADLINE (counted from the first attempt). With 2 s timeouts and a 3.5 s deadline
    the count is certain whatever the load and the random backoff: the second attempt starts
    by 2 s + at most 0.5 s of backoff (+ the attempt's own overhead, under 1 s even on a loaded
    machine), and a third could start no sooner than 4 s, past the deadline."""
    seed = provision_seed(local_aws, user_name="finder", extra_statements=[list_own_mfa_devices_statement(
        f"arn:aws:iam::{local_aws.account_id}:user/finder")])
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, seed, serial_in=None)
    before = state(user)
    local_aws.faults.seen = 0
    done = run(local_aws, user, "hang", "login", "--token-code", "123456",
               env={"AWSMFA_READ_TIMEOUT": "2", "AWSMFA_DEADLINE": "3.5"})
    assert_one_clear_line(done.result, "did not answer ListMFADevices within 2 s; 2 attempts", seed.secret_access_key)
    assert local_aws.requests_seen == 2 and state(user) == before
    # Two read timeouts and one backoff pause of at most 0.5 s.
    assert done.took >= 4 and done.waited < 4.5 + SLACK, (done.took, done.waited)
    FIGURES["hang during MFA device discovery, 3.5 s deadline: requests, seconds waited"] = f"2, {done.waited:.1f}"


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
