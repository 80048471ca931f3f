"""MFA codes from a command, end to end over HTTP against the local AWS, with the real `aws` CLI.

The codes come from Debian's `oathtool --totp -b SEED`, computed from the seed of the local
AWS's virtual MFA device, exactly as a user's authenticator would compute them; and from a
fake `ykman` that says "Touch your YubiKey" on stderr, waits, then prints the code. awsmfa
runs as a `credential_process` of the AWS CLI, which captures the process's stderr: the touch
prompt must still reach the user's terminal (a pseudo-terminal here, read with pexpect).
"""
import os
import shutil
import subprocess

import pexpect
import pytest

from awscli import aws_command
from awsenv import AWSMFA, AwsUser, seed_user_files
from awsshell_setup.localaws import provision_roles

TOUCH = "Touch your YubiKey..."


def require_oathtool():
    path = shutil.which("oathtool")
    if path is None:
        pytest.fail("oathtool is not installed: these tests compute TOTP codes with it "
                    "(.ci/run installs it: apt-get install oathtool)", pytrace=False)
    return path


@pytest.fixture
def user(tmp_path, local_aws, seed_user):
    require_oathtool()
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, seed_user)
    return user


def counting_command(folder, seed, name="totp", touch=False):
    """A script that counts its runs in FOLDER/NAME.runs, optionally says TOUCH on stderr and
    waits a second (a YubiKey waiting for a touch), then prints the current code of `seed`."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n"
                    f"echo run >> '{folder}/{name}.runs'\n"
                    + (f"echo '{TOUCH}' >&2\nsleep 1\n" if touch else "")
                    + f"exec oathtool --totp -b {seed}\n")
    path.chmod(0o755)
    return str(path)


def runs(folder, name="totp"):
    try:
        with open(folder / f"{name}.runs") as handle:
            return len(handle.read().split())
    except FileNotFoundError:
        return 0


def no_terminal(argv, env, timeout=90):
    """As cron runs a job: no controlling terminal, stdin at /dev/null."""
    return subprocess.run(["setsid", "-w"] + argv, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout)


def test_oathtool_from_the_variable_with_no_terminal(user, local_aws, seed_user):
    env = user.environ(AWSMFA_TOKEN_COMMAND=f"oathtool --totp -b {seed_user.seed}")
    result = no_terminal(AWSMFA + ["login"], env)
    assert result.returncode == 0, result.stderr
    assert seed_user.seed not in result.stderr
    stop = user.aws("ec2", "stop-instances", "--instance-ids", seed_user.instance_id, "--profile", "mfa")
    assert stop.returncode == 0, stop.stderr


def test_mfa_process_renews_a_credential_process_with_no_terminal(user, tmp_path, local_aws, seed_user):
    # What cron or a CI runner does: the AWS CLI runs awsmfa, awsmfa runs mfa_process.
    command = counting_command(tmp_path / "cmd", seed_user.seed)
    user.write_config(f"[default]\nregion = us-east-1\nmfa_serial = {seed_user.serial_number}\n"
                      f"mfa_process = {command}\n\n"
                      "[profile auto]\ncredential_process = awsmfa env --json\nregion = us-east-1\n")
    first = no_terminal(aws_command() + ["sts", "get-caller-identity", "--profile", "auto"], user.environ())
    assert first.returncode == 0 and seed_user.user_arn in first.stdout, first.stderr
    second = no_terminal(aws_command() + ["ec2", "stop-instances", "--instance-ids", seed_user.instance_id,
                                          "--profile", "auto"], user.environ())
    assert second.returncode == 0, second.stderr
    assert runs(tmp_path / "cmd") == 1  # the second run reused the stored session


def test_a_yubikey_touch_prompt_reaches_the_terminal_through_the_aws_cli(user, tmp_path, local_aws, seed_user):
    ykman = counting_command(tmp_path / "cmd", seed_user.seed, name="ykman", touch=True)
    user.write_config(f"[default]\nregion = us-east-1\nmfa_serial = {seed_user.serial_number}\n\n"
                      "[profile auto]\ncredential_process = awsmfa env --json --token-command "
                      f"'{ykman} oath accounts code --single AWS'\nregion = us-east-1\n")
    argv = aws_command() + ["sts", "get-caller-identity", "--profile", "auto", "--query", "Arn", "--output", "text"]
    child = pexpect.spawn(argv[0], argv[1:], env=user.environ(), encoding="utf-8", timeout=90)
    child.expect_exact(TOUCH)  # botocore captures awsmfa's stderr: this came through /dev/tty
    child.expect_exact(seed_user.user_arn)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert runs(tmp_path / "cmd", "ykman") == 1


def test_the_touch_prompt_goes_to_the_terminal_not_to_a_redirected_stderr(user, tmp_path, local_aws, seed_user):
    ykman = counting_command(tmp_path / "cmd", seed_user.seed, name="ykman", touch=True)
    log = tmp_path / "stderr.log"
    argv = ["sh", "-c", 'exec "$@" 2>"$LOG"', "sh"] + AWSMFA + ["login", "--token-command", ykman]
    child = pexpect.spawn(argv[0], argv[1:], env=user.environ(LOG=str(log)), encoding="utf-8", timeout=90)
    child.expect_exact(TOUCH)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, log.read_text()
    assert TOUCH not in log.read_text() and "new session in profile [mfa]" in log.read_text()


def test_roles_get_one_code_from_the_command_for_the_mfa_session(tmp_path, local_aws):
    require_oathtool()
    scenario = provision_roles(local_aws)
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    command = counting_command(tmp_path / "cmd", scenario.seed)
    user.write_credentials(f"[base]\naws_access_key_id = {scenario.access_key_id}\n"
                           f"aws_secret_access_key = {scenario.secret_access_key}\n")
    user.write_config(f"[profile base]\nregion = us-east-1\nmfa_serial = {scenario.serial_number}\n"
                      f"mfa_process = {command}\n\n"
                      f"[profile ops]\nrole_arn = {scenario.ops_role_arn}\nsource_profile = base\nregion = us-east-1\n\n"
                      f"[profile audit]\nrole_arn = {scenario.audit_role_arn}\nsource_profile = base\n"
                      "region = us-east-1\n")
    for profile in ("ops", "audit"):
        result = no_terminal(AWSMFA + ["env", "--profile", profile, "--shell", "bash"], user.environ())
        assert result.returncode == 0, result.stderr
        assert f"export AWS_PROFILE={profile}-mfa-auto" in result.stdout
        who = no_terminal(aws_command() + ["sts", "get-caller-identity", "--profile", f"{profile}-mfa-auto",
                                           "--query", "Arn", "--output", "text"], user.environ())
        assert who.returncode == 0 and f":assumed-role/{profile}/" in who.stdout, who.stderr
    assert runs(tmp_path / "cmd") == 1  # one code for the MFA session; audit reused it


def test_per_role_mode_takes_its_code_from_the_command(tmp_path, local_aws):
    require_oathtool()
    scenario = provision_roles(local_aws)
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    user.write_credentials(f"[base]\naws_access_key_id = {scenario.access_key_id}\n"
                           f"aws_secret_access_key = {scenario.secret_access_key}\n")
    user.write_config(f"[profile base]\nregion = us-east-1\nmfa_serial = {scenario.serial_number}\n\n"
                      f"[profile ops]\nrole_arn = {scenario.ops_role_arn}\nsource_profile = base\nregion = us-east-1\n"
                      f"mfa_process = oathtool --totp -b {scenario.seed}\n")
    result = no_terminal(AWSMFA + ["login", "--profile", "ops", "--role-mfa", "per-role"], user.environ())
    assert result.returncode == 0, result.stderr
    assert "[base-mfa]" not in user.read_credentials()  # per-role: no MFA session, the code went to AssumeRole
    assert os.path.exists(user.credentials) and "[ops-mfa]" in user.read_credentials()
