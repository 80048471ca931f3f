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

from awsenv import AWSMFA, CONFIG, LONG_TERM, AwsUser, offline_user, seed_user_files, stamp
from awsshell_setup.core import fileio, timeutil
from awsshell_setup.core.errors import FileProblem
from awsshell_setup.localaws.mfa import STEP_SECONDS
from awsshell_setup.sessions.profiles import AwsFiles, Credentials, SourceProfile, write_session
import test_credentials_hostile as hostile  # its FIGURES count these cases too (one printout, not two)
from test_credentials_hostile import assert_refused, snapshot

STORED_KEY = "ASIASTOREDUNTRUSTED"


def stored_section(expiration, duration, name="mfa", source="default"):
    # Not awsenv's stored_session: the expiry and duration are raw text, for values awsmfa never
    # writes (overflowing, naive, far-future, not a number).
    return (f"\n[{name}]\naws_access_key_id = {STORED_KEY}\naws_secret_access_key = storedsecret\n"
            f"aws_session_token = storedtoken\nawsmfa_source_profile = {source}\n"
            f"awsmfa_expiration = {expiration}\nawsmfa_duration_seconds = {duration}\n")


@pytest.fixture
def offline(tmp_path):
    """A user whose endpoint is a closed port: any AWS call shows as 'cannot reach'."""
    return offline_user(tmp_path / "home")


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
    "expired, duration -100000": (lambda: stamp(-3600), -100000),
    "far-future expiry": (lambda: "9000-01-01T00:00:00Z", 43200),
    "expiry a day past its 12 h duration": (lambda: stamp(36 * 3600), 43200),
    "duration under 900 s": (lambda: stamp(600), 5),
    "duration over 129600 s": (lambda: stamp(40 * 3600), 200000),
    "duration not a number": (lambda: stamp(3600), "3600x"),
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
        hostile.FIGURES["unbelievable stored sessions renewed (env, env --json, login)"] += 1
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
    user.write_credentials(LONG_TERM + stored_section(stamp(expires_in), duration))
    found = AwsFiles({"HOME": user.home}).cached_session("mfa", "default")
    assert (found is not None) == trusted


# --- target sections awsmfa did not write ----------------------------------------------------------

FOREIGN_TARGETS = {
    "role profile": ("# my admin role\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = default\n",
                     "role_arn, source_profile"),
    "sso profile": ("sso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
                    "sso_account_id = 123456789012\nsso_role_name = Admin\n", "sso_account_id"),
    "credential_process profile": ("credential_process = /usr/local/bin/get-creds\n", "credential_process"),
    "session keys plus a key of the user's": (
        "aws_access_key_id = ASIAHAND\naws_secret_access_key = s\naws_session_token = t\noutput = json\n", "output"),
    "aws-mfa's session": ("aws_access_key_id = ASIAHAND\naws_secret_access_key = s\naws_session_token = t\n"
                          "aws_security_token = t\nexpiration = 2026-01-01 00:00:00\n", "(aws_security_token)"),
    "awsmfa's session with a role added": (
        "aws_access_key_id = ASIAHAND\naws_secret_access_key = s\naws_session_token = t\n"
        "awsmfa_source_profile = default\nawsmfa_expiration = 2020-01-01T00:00:00Z\n"
        "awsmfa_duration_seconds = 3600\nrole_arn = arn:aws:iam::123456789012:role/admin\n", "role_arn"),
}


@pytest.mark.parametrize("kind", list(FOREIGN_TARGETS))
@pytest.mark.parametrize("command", ["login", "env", "logout"])
def test_a_target_section_with_keys_awsmfa_does_not_write_is_refused(offline, kind, command):
    body, keys = FOREIGN_TARGETS[kind]
    offline.write_credentials(LONG_TERM + "\n[mfa]\n" + body)
    before = snapshot(offline)
    args = [command] + (["--token-code", "123456"] if command != "logout" else [])
    result = offline.awsmfa(*args)
    assert_refused(result, "profile [mfa] in ~/.aws/credentials", keys, code=1)
    assert snapshot(offline) == before
    hostile.FIGURES["foreign target sections refused (login, env, logout)"] += 1


def test_a_foreign_target_is_refused_before_the_prompt(offline):
    """No --token-code and no terminal: a refusal that came after the prompt would instead say
    there is no terminal to ask on."""
    offline.write_credentials(LONG_TERM + "\n[mfa]\n" + FOREIGN_TARGETS["role profile"][0])
    result = subprocess.run(["setsid", "-w"] + AWSMFA + ["login"], env=offline.environ(), capture_output=True,
                            text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert_refused(result, "role_arn")


def test_an_empty_or_awsmfa_only_target_is_still_taken(offline):
    # A section with nothing of the user's in it is awsmfa's to fill: the run goes on to the call.
    for body in ("", "region = eu-west-1\n", "# a comment\n"):
        offline.write_credentials(LONG_TERM + "\n[mfa]\n" + body)
        result = offline.awsmfa("login", "--token-code", "123456")
        assert result.returncode == 1 and "cannot reach" in result.stderr, (body, result.stderr)


CONFIG_TARGETS = {
    "long-term keys": ("aws_access_key_id = AKIAINCONFIG\naws_secret_access_key = s\n", "long-term keys"),
    "role": ("role_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = default\n", "role_arn"),
    "sso": ("sso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n", "sso_session"),
    "credential_process": ("credential_process = /usr/local/bin/get-creds\n", "credential_process"),
}


@pytest.mark.parametrize("header", ["profile work", 'profile "work"', "profile  work", "profile\twork"])
@pytest.mark.parametrize("kind", list(CONFIG_TARGETS))
def test_a_config_profile_that_gets_credentials_elsewhere_is_not_a_target(offline, kind, header):
    """A session in [work] of the credentials file would shadow the config's own keys for the
    AWS CLI (its credentials file wins), or be ignored in favour of the role, SSO or process."""
    body, words = CONFIG_TARGETS[kind]
    offline.write_config(CONFIG + f"\n[{header}]\nregion = eu-west-1\n" + body)
    before = snapshot(offline)
    result = offline.awsmfa("login", "--update-profile", "work", "--token-code", "123456")
    assert_refused(result, "profile [work] in ~/.aws/config", words, "choose another --update-profile", code=1)
    assert snapshot(offline) == before
    hostile.FIGURES["config profiles refused as targets"] += 1


def test_a_config_profile_with_only_settings_is_a_fine_target(offline):
    offline.write_config(CONFIG + "\n[profile work]\nregion = eu-west-1\noutput = json\n")
    result = offline.awsmfa("login", "--update-profile", "work", "--token-code", "123456")
    assert result.returncode == 1 and "cannot reach" in result.stderr, result.stderr


# --- files that would grow past what awsmfa reads ---------------------------------------------------------


def padded(text, size):
    """`text` plus comment lines up to exactly `size` bytes."""
    line = "# " + "x" * 97 + "\n"
    body = text + line * ((size - len(text)) // len(line))
    return body + "#" * (size - len(body) - 1) + "\n"


def test_a_login_that_would_take_the_file_past_the_limit_is_refused_before_the_code(offline):
    offline.write_credentials(padded(LONG_TERM, fileio.MAX_FILE_BYTES - 200))
    before = snapshot(offline)
    result = offline.awsmfa("login", "--token-code", "123456")
    assert_refused(result, "~/.aws/credentials", "past 2 MiB", code=1)
    assert snapshot(offline) == before
    hostile.FIGURES["writes past the 2 MiB read limit refused"] += 1


def test_a_file_near_the_limit_still_takes_a_session_it_can_read_back(online, local_aws, seed_user):
    online.write_credentials(padded(online.read_credentials(), fileio.MAX_FILE_BYTES - 16 * 1024))
    result = online.awsmfa("login", "--token-code", fresh_code(local_aws, seed_user))
    assert result.returncode == 0, result.stderr
    assert os.path.getsize(online.credentials) <= fileio.MAX_FILE_BYTES
    again = online.awsmfa("env", "--shell", "bash")
    assert again.returncode == 0 and "reusing session" in again.stderr, again.stderr


def test_the_write_itself_refuses_a_result_past_the_limit(tmp_path):
    """The last guard, after the call: a token so long the estimate before the prompt missed it."""
    user = AwsUser(tmp_path / "home")
    user.write_credentials(padded(LONG_TERM, fileio.MAX_FILE_BYTES - 64 * 1024))
    before = snapshot(user)
    creds = Credentials("ASIANEW", "newsecret", "t" * (80 * 1024), timeutil.now() + dt.timedelta(hours=1))
    with pytest.raises(FileProblem) as refused:
        write_session({"HOME": user.home}, "mfa", creds, SourceProfile("default", "AKIALONGTERM", "x"), 3600)
    assert "past 2 MiB" in str(refused.value) and "\n" not in str(refused.value)
    assert snapshot(user) == before


# --- a profile that exists nowhere ----------------------------------------------------------------------


@pytest.mark.parametrize("args, env", [
    (["env", "--profile", "nosuch"], {}), (["login", "--profile", "nosuch"], {}),
    (["env", "--json", "--profile", "nosuch"], {}), (["login"], {"AWS_PROFILE": "nosuch"}),
])
def test_a_profile_that_exists_nowhere_is_bad_input(offline, args, env):
    before = snapshot(offline)
    result = offline.awsmfa(*args, "--token-code", "123456", env=env)
    assert_refused(result, "no profile [nosuch] in ~/.aws/credentials or ~/.aws/config", code=2)
    assert snapshot(offline) == before
