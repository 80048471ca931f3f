"""The local AWS's IAM access keys (what `awsmfa rotate` needs): the two-key limit, the policy
that lets a user change its own keys only with MFA, GetAccessKeyLastUsed, and a new key's
propagation delay on demand. Clients are boto3 over HTTP, as for every local AWS test."""
import time

import pytest

from awsshell_setup.localaws import provision_seed
from awsshell_setup.localaws.scenario import own_access_keys_statements
from localaws_fixtures import error_of, session_keys


@pytest.fixture
def keys_user(local_aws):
    return provision_seed(local_aws, extra_statements=own_access_keys_statements())


def mfa_session(local_aws, seed):
    sts = local_aws.client("sts", **seed.credentials)
    answer = sts.get_session_token(SerialNumber=seed.serial_number,
                                   TokenCode=local_aws.fresh_code(seed.seed))
    return session_keys(answer["Credentials"])


def test_a_third_key_is_refused_with_limit_exceeded(local_aws, keys_user):
    iam = local_aws.client("iam")
    iam.create_access_key(UserName=keys_user.user_name)
    error = error_of(lambda: iam.create_access_key(UserName=keys_user.user_name))
    assert error["Error"]["Code"] == "LimitExceeded"
    assert len(iam.list_access_keys(UserName=keys_user.user_name)["AccessKeyMetadata"]) == 2


def test_long_term_key_may_list_its_keys_but_not_change_them(local_aws, keys_user):
    iam = local_aws.client("iam", **keys_user.credentials)
    listed = iam.list_access_keys(UserName=keys_user.user_name)["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [keys_user.access_key_id]
    for call in (lambda: iam.create_access_key(UserName=keys_user.user_name),
                 lambda: iam.update_access_key(UserName=keys_user.user_name,
                                               AccessKeyId=keys_user.access_key_id, Status="Inactive"),
                 lambda: iam.delete_access_key(UserName=keys_user.user_name,
                                               AccessKeyId=keys_user.access_key_id)):
        error = error_of(call)
        assert error["Error"]["Code"] == "AccessDenied"
    assert len(local_aws.client("iam").list_access_keys(UserName=keys_user.user_name)["AccessKeyMetadata"]) == 1


def test_mfa_session_changes_its_own_keys_only(local_aws, keys_user):
    local_aws.client("iam").create_user(UserName="someone-else")
    iam = local_aws.client("iam", **mfa_session(local_aws, keys_user))
    new = iam.create_access_key(UserName=keys_user.user_name)["AccessKey"]
    assert new["Status"] == "Active" and new["UserName"] == keys_user.user_name
    iam.update_access_key(UserName=keys_user.user_name, AccessKeyId=new["AccessKeyId"], Status="Inactive")
    assert error_of(lambda: iam.create_access_key(UserName="someone-else"))["Error"]["Code"] == "AccessDenied"
    iam.delete_access_key(UserName=keys_user.user_name, AccessKeyId=keys_user.access_key_id)
    # The deleted key is unknown from now on.
    sts = local_aws.client("sts", **keys_user.credentials)
    assert error_of(sts.get_caller_identity)["Error"]["Code"] == "InvalidClientTokenId"


def test_read_may_need_mfa_too(local_aws):
    seed = provision_seed(local_aws, extra_statements=own_access_keys_statements(read_needs_mfa=True))
    iam = local_aws.client("iam", **seed.credentials)
    assert error_of(lambda: iam.list_access_keys(UserName=seed.user_name))["Error"]["Code"] == "AccessDenied"
    with_mfa = local_aws.client("iam", **mfa_session(local_aws, seed))
    assert len(with_mfa.list_access_keys(UserName=seed.user_name)["AccessKeyMetadata"]) == 1


def test_last_use_of_a_key_is_recorded(local_aws, keys_user):
    iam = local_aws.client("iam", **keys_user.credentials)
    before = iam.get_access_key_last_used(AccessKeyId=keys_user.access_key_id)
    # This very call signed with the key: it is its last use (moto records it from the signature).
    used = before["AccessKeyLastUsed"]
    assert used.get("LastUsedDate") is not None and used["ServiceName"] == "iam"
    assert before["UserName"] == keys_user.user_name


def test_a_new_key_is_unknown_while_it_propagates(local_aws, keys_user):
    iam = local_aws.client("iam", **mfa_session(local_aws, keys_user))
    # For keys made from now on (not the seed's own); long enough that a busy machine's first
    # call still comes inside it.
    local_aws.faults.new_key_delay = 6.0
    created = iam.create_access_key(UserName=keys_user.user_name)["AccessKey"]
    made = time.monotonic()
    sts = local_aws.client("sts", aws_access_key_id=created["AccessKeyId"],
                           aws_secret_access_key=created["SecretAccessKey"])
    assert error_of(sts.get_caller_identity)["Error"]["Code"] == "InvalidClientTokenId"
    assert local_aws.faults.refused_new_keys == 1
    # The old key is not new: it works all along.
    local_aws.client("sts", **keys_user.credentials).get_caller_identity()
    time.sleep(max(0.0, 6.2 - (time.monotonic() - made)))
    assert sts.get_caller_identity()["Arn"] == keys_user.user_arn


def test_no_delay_unless_asked_and_reset_clears_it(local_aws, keys_user):
    local_aws.faults.new_key_delay = 30.0
    local_aws.reset()
    assert local_aws.faults.new_key_delay == 0.0
    seed = provision_seed(local_aws, extra_statements=own_access_keys_statements())
    iam = local_aws.client("iam", **mfa_session(local_aws, seed))
    created = iam.create_access_key(UserName=seed.user_name)["AccessKey"]
    sts = local_aws.client("sts", aws_access_key_id=created["AccessKeyId"],
                           aws_secret_access_key=created["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"] == seed.user_arn
