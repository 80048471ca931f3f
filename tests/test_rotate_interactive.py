"""`awsmfa rotate` on a terminal: it asks before replacing the key (no: nothing asked, called
or changed after), then asks for the MFA code on the terminal, and rotates."""
import configparser

import pexpect
import pytest

from awsenv import AWSMFA, AwsUser, seed_user_files
from localaws_fixtures import keys_user  # noqa: F401 (a fixture)


@pytest.fixture
def home(tmp_path, local_aws, keys_user):
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, keys_user)
    return user


def spawn(home):
    return pexpect.spawn(AWSMFA[0], AWSMFA[1:] + ["rotate"], env=home.environ(), encoding="utf-8", timeout=60)


def test_no_at_the_question_changes_nothing(local_aws, keys_user, home):
    before = home.read_credentials()
    child = spawn(home)
    child.expect_exact(f"replace the access key {keys_user.access_key_id} of [default] (user trainee)")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and "cancelled" in child.before
    assert home.read_credentials() == before and local_aws.codes_spent == 0


def test_yes_then_the_code_at_the_prompt_rotates(local_aws, keys_user, home):
    child = spawn(home)
    child.expect_exact("one and delete the old one? [y/N]: ")
    child.sendline("y")
    child.expect_exact(f"MFA code for {keys_user.serial_number}: ")
    child.sendline(local_aws.fresh_code(keys_user.seed))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    parser = configparser.ConfigParser()
    parser.read_string(home.read_credentials())
    new_id = parser["default"]["aws_access_key_id"]
    assert new_id != keys_user.access_key_id
    assert f"deleted the old access key {keys_user.access_key_id}" in child.before
    assert parser["default"]["aws_secret_access_key"] not in child.before


def test_a_hostile_key_id_in_the_file_reaches_the_terminal_escaped(local_aws, keys_user, home):
    # A journal line someone else wrote: its id carries a terminal title escape.
    with open(home.credentials, "a") as handle:
        handle.write("awsmfa_rotate_retired_access_key_id = AKIA\x1b]0;owned\x07\n")
    child = spawn(home)
    child.expect_exact("as a stopped rotation meant? [y/N]: ")
    shown = child.before
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert "'AKIA\\x1b]0;owned\\x07'" in shown and "\x1b" not in shown and "\x07" not in shown
