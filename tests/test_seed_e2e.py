"""The seed scenario end to end, over HTTP against the local AWS, with the real `aws` CLI.

A trainee whose policy lets them describe instances with long-term keys but stop them only
with MFA: awsmfa gets the session, and the stop that failed before then succeeds, through
`login` + `--profile mfa`, and through `eval "$(awsmfa env)"` in a real bash and a real fish.
"""
import os
import re
import stat

import pexpect
import pytest

from awsenv import AwsUser, seed_user_files
from awsshell_setup.core import timeutil
from awsshell_setup.localaws import list_own_mfa_devices_statement, provision_seed


def stop(user, seed, *profile):
    return user.aws("ec2", "stop-instances", "--instance-ids", seed.instance_id, *profile)


def instance_state(local_aws, seed):
    answer = local_aws.client("ec2").describe_instances(InstanceIds=[seed.instance_id])
    return answer["Reservations"][0]["Instances"][0]["State"]["Name"]


def test_seed_scenario_with_login_and_profile_mfa(user, local_aws, seed_user):
    assert user.aws("ec2", "describe-instances").returncode == 0
    denied = stop(user, seed_user)
    assert denied.returncode != 0 and "UnauthorizedOperation" in denied.stderr
    original = user.read_credentials()

    result = user.awsmfa("login", "--token-code", local_aws.fresh_code(seed_user.serial_number))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # login prints nothing on stdout, let alone a secret
    assert "new session in profile [mfa]" in result.stderr and "--profile mfa" in result.stderr
    assert f"MFA device {seed_user.serial_number} (mfa_serial in ~/.aws/config)" in result.stderr

    assert user.read_credentials().startswith(original)  # the long-term profile is byte for byte intact
    assert user.credentials_mode() == 0o600
    allowed = stop(user, seed_user, "--profile", "mfa")
    assert allowed.returncode == 0, allowed.stderr
    assert instance_state(local_aws, seed_user) in ("stopping", "stopped")
    # The session profile is usable by the AWS CLI on its own, region included.
    who = user.aws("sts", "get-caller-identity", "--profile", "mfa", env={"AWS_DEFAULT_REGION": None})
    assert who.returncode == 0 and seed_user.user_arn in who.stdout


def test_second_run_reuses_the_session_without_a_code(user, local_aws, seed_user):
    first = user.awsmfa("login", "--token-code", local_aws.fresh_code(seed_user.serial_number))
    assert first.returncode == 0, first.stderr
    stored = user.read_credentials()
    again = user.awsmfa("env", "--shell", "bash")  # stdin is /dev/null: a prompt would fail
    assert again.returncode == 0 and "reusing session" in again.stderr
    assert user.read_credentials() == stored


def test_force_gets_new_unique_keys(user, local_aws, seed_user):
    keys = []
    for _ in range(2):
        result = user.awsmfa("env", "--json", "--force", "--token-code", local_aws.fresh_code(seed_user.serial_number))
        assert result.returncode == 0, result.stderr
        keys.append(re.search(r'"AccessKeyId": "(\w+)"', result.stdout).group(1))
    assert keys[0] != keys[1]
    assert f"aws_access_key_id = {keys[1]}" in user.read_credentials()


def test_duration_is_what_sts_granted(user, local_aws, seed_user):
    result = user.awsmfa("login", "--duration-seconds", "900", "--token-code", local_aws.fresh_code(seed_user.serial_number))
    assert result.returncode == 0, result.stderr
    stored = re.search(r"awsmfa_expiration = (\S+)", user.read_credentials()).group(1)
    left = (timeutil.parse_utc(stored) - timeutil.now()).total_seconds()
    assert 880 < left <= 900


# Per shell: how to start it interactively, how to load the session, how to read a status.
REAL_SHELLS = {
    "bash": (["bash", "--norc", "--noprofile", "-i"], 'eval "$(python -m awsshell_setup env)"; echo "EVAL=$?"', "$?"),
    "fish": (["fish", "--no-config", "-i"], "python -m awsshell_setup env --shell fish | source; "
                                            "echo EVAL=$pipestatus[1]", "$status"),
}


@pytest.mark.parametrize("shell_name", sorted(REAL_SHELLS))
def test_eval_in_a_real_shell_prompts_on_the_terminal_and_stops_the_instance(user, local_aws, seed_user, shell_name):
    argv, load, status = REAL_SHELLS[shell_name]
    shell = pexpect.spawn(argv[0], argv[1:], env=user.environ(), encoding="utf-8", timeout=60)
    shell.sendline(load)
    shell.expect_exact(f"MFA code for {seed_user.serial_number}: ")
    shell.sendline(local_aws.fresh_code(seed_user.serial_number))
    shell.expect(r"EVAL=(\d+)")
    assert shell.match.group(1) == "0"
    shell.sendline(f"aws ec2 stop-instances --instance-ids {seed_user.instance_id} >/dev/null; "
                   f"echo STOP={status} PROFILE=$AWS_PROFILE EXP=$AWS_CREDENTIAL_EXPIRATION")
    shell.expect(r"STOP=(\d+) PROFILE=(\S+) EXP=(\S+Z)")
    assert shell.match.groups()[:2] == ("0", "mfa")
    assert timeutil.parse_utc(shell.match.group(3)) > timeutil.now()
    shell.sendline("exit")
    shell.expect(pexpect.EOF)
    assert instance_state(local_aws, seed_user) in ("stopping", "stopped")


def test_serial_from_aws_mfa_device_in_credentials(user, local_aws, seed_user):
    seed_user_files(user, seed_user, serial_in="credentials")
    result = user.awsmfa("login", "--token-code", local_aws.fresh_code(seed_user.serial_number))
    assert result.returncode == 0, result.stderr
    assert "(aws_mfa_device in ~/.aws/credentials)" in result.stderr


def test_serial_discovered_with_list_mfa_devices(tmp_path, local_aws):
    seed = provision_seed(local_aws, user_name="finder",
                          extra_statements=[list_own_mfa_devices_statement(
                              f"arn:aws:iam::{local_aws.account_id}:user/finder")])
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, seed, serial_in=None)
    result = user.awsmfa("login", "--token-code", local_aws.fresh_code(seed.serial_number))
    assert result.returncode == 0, result.stderr
    assert f"MFA device {seed.serial_number} (found with iam:ListMFADevices)" in result.stderr


def test_discovery_denied_says_how_to_name_the_device(user, seed_user):
    seed_user_files(user, seed_user, serial_in=None)
    result = user.awsmfa("login", "--token-code", "123456")
    assert result.returncode == 1 and result.stdout == ""
    assert "iam:ListMFADevices denied" in result.stderr and "--serial-number" in result.stderr


def assert_refused(user, result, *words):
    assert result.returncode != 0 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]
    assert "[mfa]" not in user.read_credentials()


def test_wrong_code_is_refused_and_nothing_is_written(user, local_aws, seed_user):
    code = local_aws.fresh_code(seed_user.serial_number)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    assert_refused(user, user.awsmfa("env", "--token-code", wrong), "AWS refused the MFA code")


def test_reused_code_is_refused(user, local_aws, seed_user):
    code = local_aws.fresh_code(seed_user.serial_number)
    assert user.awsmfa("login", "--token-code", code, "--update-profile", "first").returncode == 0
    result = user.awsmfa("env", "--token-code", code)
    assert_refused(user, result, "AWS refused the MFA code", "already used")


def test_invalid_access_key(user, local_aws, seed_user):
    user.write_credentials(f"[default]\naws_access_key_id = AKIANOSUCHKEY0000000\naws_secret_access_key = x\n")
    assert_refused(user, user.awsmfa("env", "--token-code", "123456"), "InvalidClientTokenId")


def test_wrong_secret_key(user, local_aws, seed_user):
    user.write_credentials(f"[default]\naws_access_key_id = {seed_user.access_key_id}\naws_secret_access_key = wrong\n")
    assert_refused(user, user.awsmfa("env", "--token-code", "123456"), "SignatureDoesNotMatch")


@pytest.mark.parametrize("offset, words", [(40 * 60, "about 40 minutes behind"), (-20 * 60, "about 20 minutes ahead of")])
def test_clock_skew_says_how_far_off(user, local_aws, seed_user, offset, words):
    local_aws.clock_offset = offset  # AWS's clock ahead of (or behind) ours
    result = user.awsmfa("env", "--token-code", "123456")
    assert_refused(user, result, f"clock is {words} AWS's")


def test_unreachable_endpoint_names_the_url(user):
    result = user.awsmfa("env", "--token-code", "123456", env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert_refused(user, result, "cannot reach http://127.0.0.1:9")


def test_sts_endpoint_variable_wins_for_sts(user, local_aws, seed_user):
    env = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ENDPOINT_URL_STS": local_aws.endpoint_url}
    result = user.awsmfa("login", "--token-code", local_aws.fresh_code(seed_user.serial_number), env=env)
    assert result.returncode == 0, result.stderr


def test_ambient_session_variables_do_not_leak_into_the_sts_call(user, local_aws, seed_user):
    # Exactly what an earlier `mfa` leaves behind (aws-mfa #83): STS refuses GetSessionToken
    # with session credentials, so this passes only if awsmfa signs with the long-term keys.
    first = user.awsmfa("env", "--json", "--token-code", local_aws.fresh_code(seed_user.serial_number))
    assert first.returncode == 0, first.stderr
    creds = __import__("json").loads(first.stdout)
    ambient = {"AWS_PROFILE": "mfa", "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
               "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"], "AWS_SESSION_TOKEN": creds["SessionToken"]}
    again = user.awsmfa("env", "--force", "--token-code", local_aws.fresh_code(seed_user.serial_number), env=ambient)
    assert again.returncode == 0, again.stderr
    assert creds["AccessKeyId"] not in again.stdout


def test_a_second_account_gets_its_own_session_profile(user, local_aws, seed_user):
    text = user.read_credentials().replace("[default]", "[work]")
    user.write_credentials(text)
    user.write_config(f"[profile work]\nregion = us-east-1\nmfa_serial = {seed_user.serial_number}\n")
    result = user.awsmfa("env", "--profile", "work", "--shell", "bash",
                         "--token-code", local_aws.fresh_code(seed_user.serial_number))
    assert result.returncode == 0, result.stderr
    assert "export AWS_PROFILE=work-mfa" in result.stdout
    assert stop(user, seed_user, "--profile", "work-mfa").returncode == 0


def test_expired_session_is_not_reused(user, local_aws, seed_user):
    text = user.read_credentials()
    assert user.awsmfa("login", "--token-code", local_aws.fresh_code(seed_user.serial_number)).returncode == 0
    stored = user.read_credentials()
    expired = re.sub(r"awsmfa_expiration = \S+", "awsmfa_expiration = 2020-01-01T00:00:00Z", stored)
    user.write_credentials(expired)
    result = user.awsmfa("env", "--token-code", local_aws.fresh_code(seed_user.serial_number))
    assert result.returncode == 0 and "new session" in result.stderr
    assert user.read_credentials().startswith(text)
    assert stat.S_IMODE(os.stat(user.credentials).st_mode) == 0o600


def test_debug_explains_the_steps_but_never_shows_a_secret(user, local_aws, seed_user):
    result = user.awsmfa("--debug", "env", "--shell", "bash", "--token-code", local_aws.fresh_code(seed_user.serial_number))
    assert result.returncode == 0, result.stderr
    secret = re.search(r"AWS_SECRET_ACCESS_KEY=(\S+)", result.stdout).group(1)
    token = re.search(r"AWS_SESSION_TOKEN=(\S+)", result.stdout).group(1)
    assert "awsmfa: debug: STS endpoint: " + local_aws.endpoint_url in result.stderr
    for value in (secret, token, seed_user.secret_access_key):
        assert value not in result.stderr
    cached = user.awsmfa("--debug", "env", "--shell", "fish")
    assert cached.returncode == 0 and "debug: reusing session in [mfa]" in cached.stderr
    assert secret not in cached.stderr and token not in cached.stderr


def test_logout_removes_exactly_the_session_login_wrote(user, local_aws, seed_user):
    before = user.read_credentials()
    assert user.awsmfa("login", "--token-code", local_aws.fresh_code(seed_user.serial_number)).returncode == 0
    assert "[mfa]" in user.read_credentials()
    result = user.awsmfa("logout")
    assert result.returncode == 0 and "removed session profile [mfa]" in result.stderr
    assert user.read_credentials() == before
    again = user.awsmfa("logout")
    assert again.returncode == 0 and "nothing to remove" in again.stderr


def test_logout_never_removes_a_profile_awsmfa_did_not_write(user):
    text = user.read_credentials() + "\n[mfa]\naws_access_key_id = ASIAHAND\naws_secret_access_key = s\naws_session_token = t\n"
    user.write_credentials(text)
    result = user.awsmfa("logout")
    assert result.returncode == 1 and "was not written by awsmfa" in result.stderr
    assert user.read_credentials() == text
