"""Several MFA devices, end to end (rules.mfa_device -> devicechoice.choose): a user of the
local AWS holding two virtual devices runs `awsmfa env` on a real pseudo-terminal with no
mfa_serial anywhere; IAM lists both, the user picks 2 and has it remembered as mfa_serial, the
code of that device makes the session; the next run asks no question. Without a terminal the
refusal lists both, before any code.
"""
import subprocess
import sys

import pexpect

from awsenv import AwsUser, seed_user_files
from awsshell_setup.localaws import list_own_mfa_devices_statement, mfa, provision_seed


def two_device_user(local_aws, tmp_path):
    seed = provision_seed(local_aws, user_name="twodevices", extra_statements=[list_own_mfa_devices_statement(
        f"arn:aws:iam::{local_aws.account_id}:user/twodevices")])
    iam = local_aws.client("iam")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="twodevices-backup")["VirtualMFADevice"]
    seed_text = device["Base32StringSeed"]
    seed_text = seed_text.decode() if isinstance(seed_text, bytes) else seed_text
    now = local_aws.now()
    iam.enable_mfa_device(UserName="twodevices", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=mfa.code_at(seed_text, now - mfa.STEP_SECONDS),
                          AuthenticationCode2=mfa.code_at(seed_text, now))
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, seed, serial_in=None)  # no mfa_serial, no aws_mfa_device: IAM's list decides
    return seed, user


def spawn_env(user, *args):
    return pexpect.spawn(sys.executable, ["-m", "awsshell_setup", "env", "--shell", "bash", *args],
                         env=user.environ(TERM="xterm"), encoding="utf-8", timeout=60, dimensions=(40, 250))


def test_pick_the_second_device_remember_it_and_the_next_run_asks_no_question(local_aws, tmp_path):
    seed, user = two_device_user(local_aws, tmp_path)
    child = spawn_env(user)
    child.expect_exact("has 2 MFA devices:")
    child.expect(r"2\) (\S+)\r\n")
    second = child.match.group(1)
    assert second != seed.serial_number  # the list is IAM's; the pick is the other device
    child.expect_exact("Which one? [1-2]: ")
    child.sendline("2")
    child.expect_exact(f"+ mfa_serial = {second}")
    child.expect_exact("remember it? [y/N] ")
    child.sendline("y")
    child.expect_exact(f"MFA code for {second}: ")
    child.sendline(local_aws.fresh_code(second))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "export AWS_SESSION_TOKEN=" in child.before and "new session in profile [mfa]" in child.before
    with open(user.config) as handle:
        assert handle.read() == f"[default]\nregion = us-east-1\nmfa_serial = {second}\n"
    # The next new session asks for the remembered device's code, and nothing else.
    again = spawn_env(user, "--force")
    again.expect_exact(f"MFA code for {second}: ")
    assert "Which one" not in again.before and "MFA devices" not in again.before
    again.sendline(local_aws.fresh_code(second))
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 0, again.before
    assert f"MFA device {second} (mfa_serial in ~/.aws/config)" in again.before


def test_without_a_terminal_both_devices_are_listed_before_any_code(local_aws, tmp_path):
    seed, user = two_device_user(local_aws, tmp_path)
    marker = tmp_path / "code-asked"
    with open(user.config, "a") as handle:
        handle.write(f"mfa_process = touch {marker}; echo 123456\n")
    result = subprocess.run(["setsid", "-w", sys.executable, "-m", "awsshell_setup", "env", "--shell", "bash"],
                            env=user.environ(), capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert result.returncode != 0 and result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr
    assert "has 2 MFA devices" in result.stderr and seed.serial_number in result.stderr
    assert "asked for no code" in result.stderr and not marker.exists()


def test_one_terminal_class_asks_every_question():
    """devicechoice asks through codeprompt.Terminal (no fallback to stdin/stderr), not a copy."""
    import inspect

    from awsshell_setup.sessions import codeprompt, devicechoice

    source = inspect.getsource(devicechoice)
    assert "/dev/tty\"" not in source and "class _Terminal" not in source
    assert "Terminal(fallback=False)" in source and hasattr(codeprompt, "Terminal")
