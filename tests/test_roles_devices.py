"""Chains whose hops name different MFA devices (rules.mfa_device): awsmfa uses the device
botocore uses for the one call signed with the user's keys (the first hop's mfa_serial), which
the real AWS CLI v1 shows in its own prompt; and a device AWS does not know as the user's gets a
message that says so, not "AWS refused the MFA code" (sts._mfa_refusal), against the local AWS.
"""
import pexpect

from awsenv import BASE, LONG_TERM, offline_user
from awscli import aws_command
from localaws_fixtures import roles_home
from awsshell_setup.localaws import provision_roles

DEV_MID = "arn:aws:iam::111111111111:mfa/mid-device"
DEV_TOP = "arn:aws:iam::111111111111:mfa/top-device"
CHAIN = (f"[profile base]\nregion = eu-west-1\n"
         f"[profile mid]\nrole_arn = arn:aws:iam::111111111111:role/mid\nsource_profile = base\nmfa_serial = {DEV_MID}\n"
         f"[profile top]\nrole_arn = arn:aws:iam::222222222222:role/top\nsource_profile = mid\nmfa_serial = {DEV_TOP}\n")


def test_the_device_of_the_call_signed_with_the_users_keys_is_the_aws_clis(tmp_path):
    user = offline_user(tmp_path / "home", credentials=LONG_TERM + BASE, config=CHAIN)
    cli = pexpect.spawn(aws_command()[0], aws_command()[1:] + ["sts", "get-caller-identity", "--profile", "top"],
                        env=user.environ(), encoding="utf-8", timeout=60)
    # botocore asks for the named role's code first (that hop's own call, signed with the
    # session of [mid]), then, fetching [mid]'s session, for the code of the call signed with
    # the user's keys: that device is the one awsmfa's GetSessionToken stands in for.
    prompts = []
    for _ in range(2):
        cli.expect(r"Enter MFA code for (\S+): ")
        prompts.append(cli.match.group(1))
        cli.sendline("123456")
    cli.close(force=True)
    assert prompts == [DEV_TOP, DEV_MID]
    result = user.awsmfa("--debug", "env", "--profile", "top", "--token-code", "123456")
    assert f"MFA device {DEV_MID} (mfa_serial of profile [mid])" in result.stderr, result.stderr


def test_a_device_that_is_not_the_users_is_said_to_be_so(local_aws, tmp_path):
    scenario = provision_roles(local_aws)
    user = roles_home(tmp_path / "home", local_aws, scenario)
    other = scenario.serial_number.rsplit("/", 1)[0] + "/someone-else"
    with open(user.config, "a") as handle:
        handle.write(f"mfa_serial = {other}\n")  # on [profile ops], the last section
    result = user.awsmfa("env", "--profile", "ops", "--token-code", local_aws.fresh_code(scenario.serial_number))
    assert result.returncode != 0 and result.stdout == ""
    assert f"does not know the MFA device {other} (mfa_serial of profile [ops]) as a device of the user" \
        in result.stderr, result.stderr
    assert "refused the MFA code" not in result.stderr
