"""MFA codes typed the way authenticator apps show them (`067 878`), against the local AWS.

The local AWS checks each code with TOTP and refuses a reused one, so a session proves the
code reached STS as its six digits.
"""
import pexpect
import pytest

from awsenv import AWSMFA, AwsUser, seed_user_files


@pytest.fixture
def user(tmp_path, local_aws, seed_user):
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, seed_user)
    return user


def spaced(code):
    return code[:3] + " " + code[3:]


def test_a_code_with_a_space_from_the_flag_gets_a_session(user, local_aws, seed_user):
    result = user.awsmfa("login", "--token-code", spaced(local_aws.fresh_code(seed_user.serial_number)))
    assert result.returncode == 0, result.stderr
    assert "new session in profile [mfa]" in result.stderr
    assert len(local_aws.sessions.all()) == 1


def test_a_code_with_spaces_typed_at_the_prompt_gets_a_session(user, local_aws, seed_user):
    child = pexpect.spawn(AWSMFA[0], AWSMFA[1:] + ["login"], env=user.environ(), encoding="utf-8", timeout=60)
    child.expect_exact(f"MFA code for {seed_user.serial_number}: ")
    code = local_aws.fresh_code(seed_user.serial_number)
    child.sendline(" " + spaced(code) + " ")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "try again" not in child.before and "new session in profile [mfa]" in child.before
    assert len(local_aws.sessions.all()) == 1


def test_other_separators_at_the_prompt_are_asked_again(user, local_aws, seed_user):
    child = pexpect.spawn(AWSMFA[0], AWSMFA[1:] + ["login"], env=user.environ(), encoding="utf-8", timeout=60)
    prompt = f"MFA code for {seed_user.serial_number}: "
    child.expect_exact(prompt)
    code = local_aws.fresh_code(seed_user.serial_number)
    child.sendline(code[:3] + "-" + code[3:])
    child.expect_exact("The MFA code is six digits; try again.")
    child.expect_exact(prompt)
    child.sendline(code)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert len(local_aws.sessions.all()) == 1
