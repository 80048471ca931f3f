"""Session profiles that are not what they seem, through the real CLI (`python -m awsshell_setup`).

- A stored session whose expiry or duration cannot be believed is never trusted and never a
  crash: `env`, `env --json` and `login` renew it (against the local AWS), `status` reports no
  usable session. Valid only while now < expiry <= now + stored duration (900 to 129600 s).
- A target section holding keys awsmfa does not write (a role, SSO or credential_process
  profile, or anything hand-made) is refused by `login`/`env` and by `logout`: one line, before
  any prompt, nothing written. Likewise a config-file profile that gets its credentials
  elsewhere (long-term keys in `[profile work]` would be shadowed by a session of that name).
- A write that would take the credentials file past the size awsmfa reads is refused.
- A profile that exists nowhere is bad input: exit 2.
"""
import datetime as dt
import os
import subprocess

import pytest

from awsenv import AWSMFA, AwsUser, seed_user_files
from awsshell_setup import fileio, timeutil
from awsshell_setup.errors import FileProblem
from awsshell_setup.localaws.mfa import STEP_SECONDS
from awsshell_setup.profiles import AwsFiles, Credentials, SourceProfile, write_session
from test_env_offline import CLOSED, CONFIG, LONG_TERM
from test_hostile_input import FIGURES, assert_refused, snapshot

STORED_KEY = "ASIASTOREDUNTRUSTED"


def stored_section(expiration, duration, name="mfa", source="default"):
    return (f"\n[{name}]\naws_access_key_id = {STORED_KEY}\naws_secret_access_key = storedsecret\n"
            f"aws_session_token = storedtoken\nawsmfa_source_profile = {source}\n"
            f"awsmfa_expiration = {expiration}\nawsmfa_duration_seconds = {duration}\n")


def utc_in(seconds):
    return timeutil.format_utc(timeutil.now() + dt.timedelta(seconds=seconds))


@pytest.fixture
def offline(tmp_path):
    """A user whose endpoint is a closed port: any AWS call shows as 'cannot reach'."""
    user = AwsUser(tmp_path / "home", endpoint_url=CLOSED)
    user.write_credentials(LONG_TERM)
    user.write_config(CONFIG)
    return user


@pytest.fixture
def online(tmp_path, local_aws, seed_user):
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, seed_user)
    return user


def fresh_code(local_aws, seed):
    # A new 30 s step instead of waiting for one: the local AWS's clock moves ahead, a few steps
    # per test, far inside the 15 minutes of skew SigV4 (and awsmfa's expiry check) allows.
    local_aws.clock_offset += STEP_SECONDS
    return local_aws.fresh_code(seed.serial_number)


# --- stored expiry and duration that cannot be believed ----------------------------------------------

UNBELIEVABLE = {
    # fromisoformat accepts these; converting them to UTC overflowed (a traceback in every command)
    "expiry past year 9999 once in UTC": (lambda: "9999-12-31T23:59:59-01:00", 43200),
    "expiry before year 1 once in UTC": (lambda: "0001-01-01T00:00:00+01:00", 43200),
    # a negative duration made the reuse margin negative: an expired session was reused
    "expired, duration -100000": (lambda: utc_in(-3600), -100000),
    "far-future expiry": (lambda: "9000-01-01T00:00:00Z", 43200),
    "expiry a day past its 12 h duration": (lambda: utc_in(36 * 3600), 43200),
    "duration under 900 s": (lambda: utc_in(600), 5),
    "duration over 129600 s": (lambda: utc_in(40 * 3600), 200000),
    "duration not a number": (lambda: utc_in(3600), "3600x"),
}


@pytest.mark.parametrize("case", list(UNBELIEVABLE))
def test_an_unbelievable_stored_session_is_renewed_by_env_json_and_login(online, local_aws, seed_user, case):
    expiration, duration = UNBELIEVABLE[case]
    for args in (["env", "--shell", "bash"], ["env", "--json"], ["login"]):
        online.write_credentials(online.read_credentials().split("\n[mfa]")[0] + stored_section(expiration(), duration))
        result = online.awsmfa(*args, "--token-code", fresh_code(local_aws, seed_user))
        assert result.returncode == 0 and "Traceback" not in result.stderr, (args, result.stderr)
        assert "--json" in args or "new session in profile [mfa]" in result.stderr, (args, result.stderr)
        assert STORED_KEY not in result.stdout and STORED_KEY not in online.read_credentials()
        assert ("AccessKeyId" if "--json" in args else "AWS_ACCESS_KEY_ID") in result.stdout or args == ["login"]
        FIGURES["unbelievable stored sessions renewed (env, env --json, login)"] += 1
    # What was written in its place is trusted: the next `env` reuses it without a code.
    again = online.awsmfa("env", "--shell", "bash")
    assert again.returncode == 0 and "reusing session" in again.stderr, again.stderr


@pytest.mark.parametrize("case", list(UNBELIEVABLE))
def test_status_reports_no_usable_session_for_an_unbelievable_one(offline, case):
    expiration, duration = UNBELIEVABLE[case]
    offline.write_credentials(LONG_TERM + stored_section(expiration(), duration))
    before = snapshot(offline)
    result = offline.awsmfa("status")
    assert "Traceback" not in result.stderr and result.stderr == "", result.stderr
    assert "session: none in [mfa] of ~/.aws/credentials for source [default]" in result.stdout, result.stdout
    assert snapshot(offline) == before


@pytest.mark.parametrize("case", list(UNBELIEVABLE))
def test_an_unbelievable_stored_session_is_never_printed_without_a_call(offline, case):
    """The cached path (no --token-code, no terminal) must not print it either: it goes on to
    renew, which here meets the closed port."""
    expiration, duration = UNBELIEVABLE[case]
    offline.write_credentials(LONG_TERM + stored_section(expiration(), duration))
    before = snapshot(offline)
    for args in (["env", "--shell", "bash"], ["env", "--json"], ["login"]):
        result = offline.awsmfa(*args, "--token-code", "123456")
        assert result.returncode == 1 and result.stdout == "", (args, result.stdout, result.stderr)
        assert "cannot reach" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(offline) == before


@pytest.mark.parametrize("expires_in, duration, trusted", [
    (3600, 3600, True),                  # a fresh one-hour session
    (43200 - 60, 43200, True),
    (43200 + 600, 43200, True),          # AWS's clock a few minutes ahead of ours: still believable
    (43200 + 900 + 120, 43200, False),   # more than SigV4's 15 minutes of skew past its length
    (3600, 900, False),                  # an hour left of a 15-minute session
    (-60, 43200, True),                  # expired but believable: returned, so `status` can say so
    (3600, 899, False), (3600, 129601, False), (3600, 0, False), (3600, -100000, False),
])
def test_the_stored_session_rule_at_its_edges(tmp_path, expires_in, duration, trusted):
    user = AwsUser(tmp_path / "home")
    user.write_credentials(LONG_TERM + stored_section(utc_in(expires_in), duration))
    found = AwsFiles({"HOME": user.home}).cached_session("mfa", "default")
    assert (found is not None) == trusted

