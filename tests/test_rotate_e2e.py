"""`awsmfa rotate` against the local AWS, with the real AWS CLI as the client of the result:
the user whose policy lets it change its own keys only with MFA gets a new key in its profile
(only the two key lines of that section change), the aws CLI works with it, the old key is
gone; refusals come before any code; nothing secret reaches the output."""
import configparser
import os

import pytest

from awsshell_setup.core.inifile import IniDocument
from awsshell_setup.localaws import provision_seed
from awsshell_setup.localaws.scenario import own_access_keys_statements
from localaws_fixtures import keys_home, keys_user  # noqa: F401 (keys_user: a fixture)

# A credentials file as a person keeps it: comments, another profile after ours, odd spacing.
ORIGINAL = ("# my keys\n[default]\n# the trainee's key, made 2026-01-02\naws_access_key_id={key}\n"
            "aws_secret_access_key  =  {secret}\nregion = us-east-1\n\n[other]\naws_access_key_id = AKIAOTHER\n"
            "aws_secret_access_key = othersecret\n")


@pytest.fixture
def home(tmp_path, local_aws, keys_user):
    return keys_home(tmp_path / "home", local_aws, keys_user, ORIGINAL)


def section(user, name="default"):
    parser = configparser.ConfigParser()
    parser.read_string(user.read_credentials())
    return dict(parser[name])


def without_session(text):
    """The credentials text without the [mfa] session rotate's MFA session was stored in."""
    return IniDocument(text).without_section("mfa")


def user_keys(local_aws, seed):
    return [k["AccessKeyId"] for k in
            local_aws.client("iam").list_access_keys(UserName=seed.user_name)["AccessKeyMetadata"]]


def test_rotate_replaces_the_key_and_the_aws_cli_uses_the_new_one(local_aws, keys_user, home):
    before = home.read_credentials()
    result = home.awsmfa("rotate", "--yes", "--token-code", local_aws.fresh_code(keys_user.seed), "--debug")
    assert result.returncode == 0, result.stderr
    after = section(home)
    new_id, new_secret = after["aws_access_key_id"], after["aws_secret_access_key"]
    assert new_id != keys_user.access_key_id
    # Byte for byte, only the two key lines changed (the [mfa] session is the MFA session's).
    expected = before.replace(f"aws_access_key_id={keys_user.access_key_id}\n", f"aws_access_key_id = {new_id}\n")
    expected = expected.replace(f"aws_secret_access_key  =  {keys_user.secret_access_key}\n",
                                f"aws_secret_access_key = {new_secret}\n")
    assert without_session(home.read_credentials()) == expected
    assert home.credentials_mode() == 0o600
    assert user_keys(local_aws, keys_user) == [new_id]
    # The real AWS CLI: the profile works; the old key no longer does.
    works = home.aws("sts", "get-caller-identity", "--output", "text", "--query", "Arn")
    assert works.returncode == 0, works.stderr
    assert works.stdout.strip() == keys_user.user_arn
    old = home.aws("sts", "get-caller-identity", env={"AWS_ACCESS_KEY_ID": keys_user.access_key_id,
                                                      "AWS_SECRET_ACCESS_KEY": keys_user.secret_access_key})
    assert old.returncode != 0 and "InvalidClientTokenId" in old.stderr
    # Nothing secret in what awsmfa said, even with --debug.
    for secret in (new_secret, keys_user.secret_access_key):
        assert secret not in result.stderr + result.stdout
    assert new_id in result.stderr  # key ids are not secret: the user sees which key it has now


def test_rotate_waits_while_iam_propagates_the_new_key(local_aws, keys_user, home):
    local_aws.faults.new_key_delay = 5.0  # long enough that rotate's first try comes inside it
    result = home.awsmfa("rotate", "--yes", "--token-code", local_aws.fresh_code(keys_user.seed))
    assert result.returncode == 0, result.stderr
    assert local_aws.faults.refused_new_keys >= 1
    assert "AWS accepts the new key" in result.stderr
    assert user_keys(local_aws, keys_user) == [section(home)["aws_access_key_id"]]


def test_new_key_never_accepted_in_time_keeps_the_old_one_and_a_rerun_finishes(local_aws, keys_user, home):
    local_aws.faults.new_key_delay = 60.0
    result = home.awsmfa("rotate", "--yes", "--token-code", local_aws.fresh_code(keys_user.seed),
                         env={"AWSMFA_ROTATE_WAIT": "1"})
    assert result.returncode == 1
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("awsmfa: error: ") and "still uses the old key" in error
    assert section(home)["aws_access_key_id"] == keys_user.access_key_id
    assert home.aws("sts", "get-caller-identity").returncode == 0
    # Later, once IAM knows the key (no code: the stored MFA session serves), the same command
    # finishes the job.
    local_aws.faults.new_key_delay = 0.0
    again = home.awsmfa("rotate", "--yes", env={"AWSMFA_ROTATE_WAIT": "30"})
    assert again.returncode == 0, again.stderr
    new_id = section(home)["aws_access_key_id"]
    assert new_id != keys_user.access_key_id and user_keys(local_aws, keys_user) == [new_id]
    assert not [key for key in section(home) if key.startswith("awsmfa_")]


def test_two_keys_already_is_refused_before_any_code(local_aws, keys_user, home):
    other = local_aws.client("iam").create_access_key(UserName=keys_user.user_name)["AccessKey"]["AccessKeyId"]
    before = home.read_credentials()
    result = home.awsmfa("rotate", "--yes")
    assert result.returncode == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "two access keys" in line and other in line
    assert "delete-access-key" in line
    assert local_aws.codes_spent == 0 and home.read_credentials() == before


def test_no_terminal_and_no_yes_is_refused_before_anything(local_aws, keys_user, home):
    seen = local_aws.requests_seen
    result = home.awsmfa("rotate")
    assert result.returncode == 2 and "--yes" in result.stderr
    assert local_aws.requests_seen == seen


def test_a_secret_store_source_is_refused(local_aws, keys_user, home, tmp_path):
    home.write_credentials("")
    home.write_config("[profile vault]\ncredential_process = pass show aws/trainee\n")
    result = home.awsmfa("rotate", "--yes", "--profile", "vault")
    assert result.returncode == 1 and "credential_process" in result.stderr
    assert "create-access-key" in result.stderr


def test_a_role_profile_is_refused(local_aws, keys_user, home):
    with open(home.config, "a") as handle:
        handle.write("[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = default\n")
    result = home.awsmfa("rotate", "--yes", "--profile", "ops")
    assert result.returncode == 1 and "role profile" in result.stderr


def test_key_age_is_one_call(local_aws, keys_user, home, monkeypatch):
    from awsshell_setup.sessions import rotate

    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in home.environ().items():  # botocore reads the process's own environment
        monkeypatch.setenv(name, value)
    seen = local_aws.requests_seen
    age = rotate.key_age()
    assert local_aws.requests_seen == seen + 1
    assert age.access_key_id == keys_user.access_key_id
    assert 0 <= age.seconds() < 600 and "0 days old" in age.describe()


def test_a_policy_that_lists_keys_only_with_mfa_still_rotates(local_aws, tmp_path):
    seed = provision_seed(local_aws, user_name="strict",
                          extra_statements=own_access_keys_statements(read_needs_mfa=True))
    user = keys_home(tmp_path / "strict", local_aws, seed,
                     "[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
    result = user.awsmfa("rotate", "--yes", "--token-code", local_aws.fresh_code(seed.seed))
    assert result.returncode == 0, result.stderr
    assert user_keys(local_aws, seed) == [section(user)["aws_access_key_id"]] != [seed.access_key_id]


def test_aws_out_of_reach_changes_nothing(local_aws, keys_user, home):
    before = home.read_credentials()
    with local_aws.down():
        result = home.awsmfa("rotate", "--yes", env={"AWSMFA_CONNECT_TIMEOUT": "2"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "cannot reach AWS for GetCallerIdentity" in result.stderr
    assert home.read_credentials() == before and local_aws.codes_spent == 0



def test_a_second_rotation_at_the_same_time_is_refused_at_once(local_aws, keys_user, home):
    from awsshell_setup.core import fileio
    from awsshell_setup.sessions.rotate import ROTATE_TURN_SUFFIX

    before = home.read_credentials()
    with fileio.turn(home.credentials + ROTATE_TURN_SUFFIX, 5):
        result = home.awsmfa("rotate", "--yes")
    assert result.returncode == 1 and "another awsmfa rotate is running" in result.stderr
    assert home.read_credentials() == before and local_aws.codes_spent == 0
    assert user_keys(local_aws, keys_user) == [keys_user.access_key_id]


def test_a_key_aws_does_not_know_is_said_so(local_aws, keys_user, home):
    local_aws.client("iam").delete_access_key(UserName=keys_user.user_name, AccessKeyId=keys_user.access_key_id)
    result = home.awsmfa("rotate", "--yes")
    assert result.returncode == 1
    assert "AWS does not accept the access key of [default] (InvalidClientTokenId)" in result.stderr
    assert "aws configure" in result.stderr and local_aws.codes_spent == 0
