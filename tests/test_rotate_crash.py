"""`awsmfa rotate` killed (SIGKILL, certain: AWSMFA_ROTATE_STOP_AT makes the process kill itself
right after the step) at every step, and failing at each AWS call that changes something:
afterwards the credentials file always holds a key AWS accepts (asked of the real aws CLI), and
running `awsmfa rotate` again finishes the rotation: one key left, the file's, and the section
differs from the original only in its two key lines."""
import configparser
import json
import signal

import pytest

from awsshell_setup.core.inifile import IniDocument
from awsshell_setup.sessions.rotate import STOP_POINTS
from localaws_fixtures import keys_home, keys_user  # noqa: F401 (keys_user: a fixture)

ORIGINAL = ("[default]\naws_access_key_id = {key}\n# keep this comment\naws_secret_access_key = {secret}\n"
            "\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = othersecret\n")

FIGURES = {"kills": 0, "reruns finished": 0}


@pytest.fixture
def home(tmp_path, local_aws, keys_user):
    return keys_home(tmp_path / "home", local_aws, keys_user, ORIGINAL)


def profile(user):
    parser = configparser.ConfigParser()
    parser.read_string(user.read_credentials())
    return dict(parser["default"])


def user_keys(local_aws, seed):
    return [k["AccessKeyId"] for k in
            local_aws.client("iam").list_access_keys(UserName=seed.user_name)["AccessKeyMetadata"]]


def assert_file_key_works(user, seed):
    """The real aws CLI, with the profile as the file has it now, is the user."""
    result = user.aws("sts", "get-caller-identity", "--output", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"] == seed.user_arn
    assert user.credentials_mode() == 0o600


def assert_finished(user, local_aws, seed):
    keys = profile(user)
    assert user_keys(local_aws, seed) == [keys["aws_access_key_id"]]
    assert keys["aws_access_key_id"] != seed.access_key_id
    assert not [key for key in keys if key.startswith("awsmfa_")]
    expected = ORIGINAL.format(key=keys["aws_access_key_id"], secret=keys["aws_secret_access_key"])
    assert IniDocument(user.read_credentials()).without_section("mfa") == expected
    assert_file_key_works(user, seed)


@pytest.mark.parametrize("point", STOP_POINTS)
def test_killed_at_each_step_keeps_a_working_key_and_a_rerun_finishes(local_aws, keys_user, home, point):
    killed = home.awsmfa("rotate", "--yes", "--token-code", local_aws.fresh_code(keys_user.seed),
                         env={"AWSMFA_ROTATE_STOP_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    FIGURES["kills"] += 1
    assert len(user_keys(local_aws, keys_user)) <= 2
    assert_file_key_works(home, keys_user)
    if point == "created":  # the key AWS made is in no file yet: an orphan the rerun must delete
        assert len(user_keys(local_aws, keys_user)) == 2
        assert profile(home)["aws_access_key_id"] == keys_user.access_key_id
    # Again, with no code: the MFA session stored by the killed run serves.
    rerun = home.awsmfa("rotate", "--yes")
    assert rerun.returncode == 0, rerun.stderr
    FIGURES["reruns finished"] += 1
    assert_finished(home, local_aws, keys_user)
    assert local_aws.codes_spent == 1


def deny(local_aws, seed, action):
    local_aws.client("iam").put_user_policy(
        UserName=seed.user_name, PolicyName="deny-now", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": action, "Resource": "*"}]}))


def test_create_refused_leaves_the_old_key_in_use(local_aws, keys_user, home):
    deny(local_aws, keys_user, "iam:CreateAccessKey")
    failed = home.awsmfa("rotate", "--yes", "--token-code", local_aws.fresh_code(keys_user.seed))
    assert failed.returncode == 1 and "CreateAccessKey" in failed.stderr
    assert profile(home)["aws_access_key_id"] == keys_user.access_key_id
    assert_file_key_works(home, keys_user)
    local_aws.client("iam").delete_user_policy(UserName=keys_user.user_name, PolicyName="deny-now")
    assert home.awsmfa("rotate", "--yes").returncode == 0
    assert_finished(home, local_aws, keys_user)


def test_delete_refused_leaves_the_new_key_in_use_and_a_rerun_deletes_the_old(local_aws, keys_user, home):
    deny(local_aws, keys_user, "iam:DeleteAccessKey")
    failed = home.awsmfa("rotate", "--yes", "--token-code", local_aws.fresh_code(keys_user.seed))
    assert failed.returncode == 1 and "DeleteAccessKey" in failed.stderr
    new_id = profile(home)["aws_access_key_id"]
    assert new_id != keys_user.access_key_id
    assert profile(home)["awsmfa_rotate_retired_access_key_id"] == keys_user.access_key_id
    assert_file_key_works(home, keys_user)
    local_aws.client("iam").delete_user_policy(UserName=keys_user.user_name, PolicyName="deny-now")
    assert home.awsmfa("rotate", "--yes").returncode == 0
    assert profile(home)["aws_access_key_id"] == new_id  # finished, not rotated twice
    assert_finished(home, local_aws, keys_user)


def test_killed_from_outside_at_random_moments_keeps_a_working_key(local_aws, keys_user, home):
    """No hook: a SIGKILL from outside at a random moment of a rotation that waits for IAM
    (a new key is unknown for 3 s), round after round; each rerun finishes."""
    import random
    import subprocess
    import time

    import tiers
    from awsenv import AWSMFA

    code = local_aws.fresh_code(keys_user.seed)
    for round_number in range(tiers.rounds(3)):
        local_aws.faults.new_key_delay = 3.0
        process = subprocess.Popen(AWSMFA + ["rotate", "--yes", "--token-code", code], env=home.environ(),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0.5, 4.5))
        process.kill()
        process.wait(timeout=30)
        FIGURES["kills"] += 1
        assert len(user_keys(local_aws, keys_user)) <= 2
        assert_file_key_works(home, keys_user)
        local_aws.faults.new_key_delay = 0.0
        rerun = home.awsmfa("rotate", "--yes")
        assert rerun.returncode == 0, rerun.stderr
        FIGURES["reruns finished"] += 1
        keys = profile(home)
        assert user_keys(local_aws, keys_user) == [keys["aws_access_key_id"]]
        assert not [key for key in keys if key.startswith("awsmfa_")]
        assert_file_key_works(home, keys_user)
    assert local_aws.codes_spent == 1
