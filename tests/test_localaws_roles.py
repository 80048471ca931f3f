"""The local AWS assumes roles as AWS does: trust policies (principal, MFA, external id), MFA
carried from a GetSessionToken session, the one-hour cap of role chaining, MaxSessionDuration,
role sessions authorised by the role's own policies, roles in two accounts.

Over HTTP, with boto3 and with the real aws CLI (its role profiles: ``[profile ops]`` with
``role_arn``, ``source_profile`` and ``mfa_serial``).
"""

import json
import re
import subprocess
import sys

import pytest

from awsshell_setup.localaws import policy, provision_seed, trust
from awsshell_setup.localaws.scenario import OPS_POLICY, provision_roles, trust_policy
from awscli import aws_command, clean_environment, start_serve, stop_serve
from localaws_fixtures import error_of, roles, roles_cli, session_keys  # noqa: F401  (pytest fixtures)

CHAINED = ("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed "
           "by role chaining.")
MAX_SESSION = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
MFA_FAILED = "MultiFactorAuthentication failed with invalid MFA one time pass code. "


# -- helpers -------------------------------------------------------------------------------

def mfa_session(local, roles, **extra) -> dict:
    """GetSessionToken with a fresh code: the MFA session awsmfa keeps."""
    sts = local.client("sts", **roles.credentials)
    return session_keys(sts.get_session_token(SerialNumber=roles.serial_number,
                                      TokenCode=local.fresh_code(roles.serial_number),
                                      **extra)["Credentials"])


def assume(local, credentials, role_arn, name="session", **extra) -> dict:
    return local.client("sts", **credentials).assume_role(RoleArn=role_arn,
                                                          RoleSessionName=name, **extra)


def denied_message(caller_arn, role_arn) -> str:
    return (f"User: {caller_arn} is not authorized to perform: sts:AssumeRole "
            f"on resource: {role_arn}")


def instance_ids(ec2) -> list:
    return sorted(i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
                  for i in r["Instances"])


def state_of(local, instance_id, account_id=None) -> str:
    ec2 = local.client("ec2", account_id=account_id)
    found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return found[0]["Instances"][0]["State"]["Name"]


def wrong_code(local, serial) -> str:
    valid = {local.totp_code(serial, offset) for offset in (-1, 0, 1)}
    return next(c for c in ("000000", "123456", "999999", "424242") if c not in valid)


def expires_in(local, response) -> float:
    return response["Credentials"]["Expiration"].timestamp() - local.now()


# -- the trust policy: who, with MFA, with the external id -----------------------------------

def test_role_needing_mfa_is_refused_without_it(local_aws, roles):
    # Long-term keys and no code: aws:MultiFactorAuthPresent is absent, so Bool true fails.
    response = error_of(lambda: assume(local_aws, roles.credentials, roles.ops_role_arn))
    assert response["Error"]["Code"] == "AccessDenied"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert response["Error"]["Message"] == denied_message(roles.user_arn, roles.ops_role_arn)
    # A GetSessionToken session without MFA: the key is present and false.
    plain = session_keys(local_aws.client("sts", **roles.credentials).get_session_token()["Credentials"])
    for role_arn in (roles.ops_role_arn, roles.audit_role_arn):
        response = error_of(lambda: assume(local_aws, plain, role_arn))
        assert response["Error"]["Code"] == "AccessDenied"
        assert response["Error"]["Message"] == denied_message(roles.user_arn, role_arn)
    assert local_aws.codes_spent == 0


def test_mfa_session_assumes_both_roles_in_two_accounts_with_one_code(local_aws, roles):
    session = mfa_session(local_aws, roles)
    ops = assume(local_aws, session, roles.ops_role_arn, "ops-session")
    audit = assume(local_aws, session, roles.audit_role_arn, "audit-session")
    assert local_aws.codes_spent == 1
    assert ops["AssumedRoleUser"]["Arn"] == \
        f"arn:aws:sts::{roles.account_a}:assumed-role/ops/ops-session"
    assert audit["AssumedRoleUser"]["Arn"] == \
        f"arn:aws:sts::{roles.account_b}:assumed-role/audit/audit-session"
    assert re.fullmatch(r"AROA[A-Z0-9]+:audit-session", audit["AssumedRoleUser"]["AssumedRoleId"])
    for response, account, role in ((ops, roles.account_a, "ops"),
                                     (audit, roles.account_b, "audit")):
        who = local_aws.client("sts", **session_keys(response["Credentials"])).get_caller_identity()
        assert who["Account"] == account
        assert who["Arn"] == response["AssumedRoleUser"]["Arn"]
        assert who["UserId"] == response["AssumedRoleUser"]["AssumedRoleId"]
        assert re.fullmatch(r"ASIA[A-Z0-9]{16}", response["Credentials"]["AccessKeyId"])
    # Every AssumeRole gives new keys.
    again = assume(local_aws, session, roles.ops_role_arn, "ops-session")
    for field in ("AccessKeyId", "SecretAccessKey", "SessionToken"):
        assert again["Credentials"][field] != ops["Credentials"][field]


def test_external_id_must_match(local_aws):
    roles = provision_roles(local_aws, audit_external_id="tenant-4711")
    session = mfa_session(local_aws, roles)
    expected = denied_message(roles.user_arn, roles.audit_role_arn)
    for extra in ({}, {"ExternalId": "tenant-4712"}, {"ExternalId": "TENANT-4711"}):
        response = error_of(lambda: assume(local_aws, session, roles.audit_role_arn, **extra))
        assert response["Error"]["Code"] == "AccessDenied", extra
        assert response["Error"]["Message"] == expected
    assert assume(local_aws, session, roles.audit_role_arn, ExternalId="tenant-4711")
    # ops has no external-id condition: an id given anyway changes nothing.
    assert assume(local_aws, session, roles.ops_role_arn, ExternalId="anything")


def test_trust_names_the_account_so_the_callers_own_policy_must_allow(local_aws, roles):
    # The seed's trainee is in account A with MFA, but its policy does not allow
    # sts:AssumeRole: a trust policy naming the account (its root ARN) is not enough.
    trainee = provision_seed(local_aws)
    sts = local_aws.client("sts", **trainee.credentials)
    session = session_keys(sts.get_session_token(
        SerialNumber=trainee.serial_number,
        TokenCode=local_aws.fresh_code(trainee.serial_number))["Credentials"])
    for role_arn in (roles.ops_role_arn, roles.audit_role_arn):
        response = error_of(lambda: assume(local_aws, session, role_arn))
        assert response["Error"]["Code"] == "AccessDenied"
        assert response["Error"]["Message"] == (
            f"{denied_message(trainee.user_arn, role_arn)} because no identity-based policy "
            "allows the sts:AssumeRole action")
    # A trust policy naming the trainee itself is enough within its account...
    iam = local_aws.client("iam")
    direct = iam.create_role(RoleName="names-trainee", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": trainee.user_arn},
                       "Action": "sts:AssumeRole"}]}))["Role"]
    assert assume(local_aws, session, direct["Arn"])
    # ...but never for someone else, and an explicit Deny wins over the Allow.
    engineer = mfa_session(local_aws, roles)
    assert error_of(lambda: assume(local_aws, engineer, direct["Arn"]))["Error"]["Code"] == \
        "AccessDenied"
    iam.update_assume_role_policy(RoleName="names-trainee", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": trainee.user_arn},
             "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
             "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "60"}}}]}))
    assert assume(local_aws, session, direct["Arn"])
    local_aws.clock_offset = 120
    assert error_of(lambda: assume(local_aws, session, direct["Arn"]))["Error"]["Code"] == \
        "AccessDenied"


def test_unknown_role_and_root_are_refused(local_aws, roles):
    session = mfa_session(local_aws, roles)
    missing = f"arn:aws:iam::{roles.account_b}:role/no-such-role"
    response = error_of(lambda: assume(local_aws, session, missing))
    assert response["Error"]["Code"] == "AccessDenied"
    assert response["Error"]["Message"] == denied_message(roles.user_arn, missing)
    response = error_of(lambda: local_aws.client("sts").assume_role(
        RoleArn=roles.ops_role_arn, RoleSessionName="root"))
    assert response["Error"]["Code"] == "AccessDenied"
    assert response["Error"]["Message"] == "Roles may not be assumed by root accounts."


# -- MFA given to AssumeRole itself ----------------------------------------------------------

def test_direct_assume_role_with_code_lasts_up_to_max_session_duration(local_aws, roles):
    sts = local_aws.client("sts", **roles.credentials)

    def direct(role_arn, duration, code=None):
        return sts.assume_role(RoleArn=role_arn, RoleSessionName="direct",
                               DurationSeconds=duration, SerialNumber=roles.serial_number,
                               TokenCode=code or local_aws.fresh_code(roles.serial_number))

    twelve_hours = direct(roles.ops_role_arn, 43200)
    assert 43200 - 60 < expires_in(local_aws, twelve_hours) <= 43200
    # The role session carries MFA: ops's own policy lets it stop the instance.
    ec2 = local_aws.client("ec2", **session_keys(twelve_hours["Credentials"]))
    ec2.stop_instances(InstanceIds=[roles.ops_instance_id])
    # audit's MaxSessionDuration is the default hour.
    assert 3600 - 60 < expires_in(local_aws, direct(roles.audit_role_arn, 3600)) <= 3600
    response = error_of(lambda: direct(roles.audit_role_arn, 3601))
    assert response["Error"]["Code"] == "ValidationError"
    assert response["Error"]["Message"] == MAX_SESSION
    # Above the API's own limit (12 h) the input validation answers first.
    unchecked = local_aws.client("sts", validate=False, **roles.credentials)
    response = error_of(lambda: unchecked.assume_role(
        RoleArn=roles.ops_role_arn, RoleSessionName="direct", DurationSeconds=43201,
        SerialNumber=roles.serial_number, TokenCode=local_aws.fresh_code(roles.serial_number)))
    assert response["Error"]["Code"] == "ValidationError"
    assert "less than or equal to 43200" in response["Error"]["Message"]


def test_assume_role_codes_are_checked_and_never_reused(local_aws, roles):
    sts = local_aws.client("sts", **roles.credentials)
    code = local_aws.fresh_code(roles.serial_number)
    assert sts.assume_role(RoleArn=roles.ops_role_arn, RoleSessionName="first",
                           SerialNumber=roles.serial_number, TokenCode=code)
    for bad in (code, wrong_code(local_aws, roles.serial_number)):
        response = error_of(lambda: sts.assume_role(
            RoleArn=roles.audit_role_arn, RoleSessionName="again",
            SerialNumber=roles.serial_number, TokenCode=bad))
        assert response["Error"]["Code"] == "AccessDenied"
        assert response["Error"]["Message"] == MFA_FAILED
    # A code used for AssumeRole is spent for GetSessionToken too: one device, one memory.
    response = error_of(lambda: sts.get_session_token(SerialNumber=roles.serial_number,
                                                      TokenCode=code))
    assert response["Error"]["Code"] == "AccessDenied"
    # Another device's serial does not validate, nor does a role session's attempt to give one.
    other = local_aws.client("iam").create_virtual_mfa_device(
        VirtualMFADeviceName="someone-elses")["VirtualMFADevice"]["SerialNumber"]
    response = error_of(lambda: sts.assume_role(
        RoleArn=roles.ops_role_arn, RoleSessionName="other", SerialNumber=other,
        TokenCode=local_aws.totp_code(other)))
    assert "MFA serial number" in response["Error"]["Message"]
    assert local_aws.codes_spent == 1


# -- role chaining -----------------------------------------------------------------------------

def test_chained_role_sessions_are_capped_at_one_hour(local_aws, roles):
    session = mfa_session(local_aws, roles)          # GetSessionToken credentials: chaining
    for role_arn in (roles.ops_role_arn, roles.audit_role_arn):
        response = error_of(lambda: assume(local_aws, session, role_arn, DurationSeconds=3601))
        assert response["Error"]["Code"] == "ValidationError"
        assert response["Error"]["Message"] == CHAINED
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # ops allows 12 hours, but not to a chained call; one hour is fine, and the default.
    hour = assume(local_aws, session, roles.ops_role_arn, DurationSeconds=3600)
    assert 3600 - 60 < expires_in(local_aws, hour) <= 3600
    assert 3600 - 60 < expires_in(local_aws, assume(local_aws, session, roles.ops_role_arn)) \
        <= 3600

    # A role session's credentials chain too, and carry their MFA into the next role.
    iam = local_aws.client("iam")
    jump = iam.create_role(RoleName="jump", MaxSessionDuration=43200,
                           AssumeRolePolicyDocument=json.dumps(trust_policy(roles.account_a)))
    iam.put_role_policy(RoleName="jump", PolicyName="onward", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                       "Resource": roles.audit_role_arn}]}))
    iam.put_user_policy(UserName=roles.user_name, PolicyName="jump", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                       "Resource": jump["Role"]["Arn"]}]}))
    jumped = session_keys(assume(local_aws, session, jump["Role"]["Arn"])["Credentials"])
    response = error_of(lambda: assume(local_aws, jumped, roles.audit_role_arn,
                                       DurationSeconds=7200))
    assert response["Error"]["Message"] == CHAINED
    audit = assume(local_aws, jumped, roles.audit_role_arn, "via-jump")
    assert audit["AssumedRoleUser"]["Arn"].endswith(":assumed-role/audit/via-jump")
    assert local_aws.codes_spent == 1


def test_role_session_cannot_call_get_session_token(local_aws, roles):
    ops = session_keys(assume(local_aws, mfa_session(local_aws, roles), roles.ops_role_arn)["Credentials"])
    response = error_of(lambda: local_aws.client("sts", **ops).get_session_token())
    assert response["Error"]["Code"] == "AccessDenied"
    assert response["Error"]["Message"] == "Cannot call GetSessionToken with session credentials"


# -- what a role session may do ----------------------------------------------------------------

def test_audit_cannot_stop_instances_ops_can(local_aws, roles):
    session = mfa_session(local_aws, roles)
    audit = local_aws.client("ec2", **session_keys(assume(local_aws, session,
                                                  roles.audit_role_arn)["Credentials"]))
    assert instance_ids(audit) == [roles.audit_instance_id]
    response = error_of(lambda: audit.stop_instances(InstanceIds=[roles.audit_instance_id]))
    assert response["Error"]["Code"] == "UnauthorizedOperation"
    assert response["Error"]["Message"].startswith(
        "You are not authorized to perform this operation. User: "
        f"arn:aws:sts::{roles.account_b}:assumed-role/audit/session is not authorized to "
        "perform: ec2:StopInstances on resource: "
        f"arn:aws:ec2:{roles.region}:{roles.account_b}:instance/{roles.audit_instance_id}")
    assert state_of(local_aws, roles.audit_instance_id, roles.account_b) == "running"

    ops = local_aws.client("ec2", **session_keys(assume(local_aws, session,
                                                roles.ops_role_arn)["Credentials"]))
    stopping = ops.stop_instances(InstanceIds=[roles.ops_instance_id])["StoppingInstances"]
    assert stopping[0]["InstanceId"] == roles.ops_instance_id
    assert state_of(local_aws, roles.ops_instance_id) in ("stopping", "stopped")


def test_role_session_has_the_roles_permissions_not_the_users(local_aws, roles):
    # The user's own policy allows nothing but sts:AssumeRole.
    user = local_aws.client("ec2", **roles.credentials)
    assert error_of(user.describe_instances)["Error"]["Code"] == "UnauthorizedOperation"
    # A role trusting the account without MFA, with ops's permissions (stop needs MFA in the
    # role session): aws:MultiFactorAuthPresent is evaluated for the role session.
    iam = local_aws.client("iam")
    role = iam.create_role(RoleName="no-mfa-trust", AssumeRolePolicyDocument=json.dumps(
        trust_policy(roles.account_a, require_mfa=False)))["Role"]
    iam.put_role_policy(RoleName="no-mfa-trust", PolicyName="ops",
                        PolicyDocument=json.dumps(OPS_POLICY))
    iam.put_user_policy(UserName=roles.user_name, PolicyName="no-mfa", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Resource": role["Arn"]}]}))
    without = local_aws.client("ec2", **session_keys(assume(local_aws, roles.credentials,
                                                    role["Arn"])["Credentials"]))
    assert instance_ids(without) == [roles.ops_instance_id]
    response = error_of(lambda: without.stop_instances(InstanceIds=[roles.ops_instance_id]))
    assert response["Error"]["Code"] == "UnauthorizedOperation"
    with_mfa = local_aws.client("ec2", **session_keys(assume(
        local_aws, roles.credentials, role["Arn"], SerialNumber=roles.serial_number,
        TokenCode=local_aws.fresh_code(roles.serial_number))["Credentials"]))
    with_mfa.stop_instances(InstanceIds=[roles.ops_instance_id])
    # aws:MultiFactorAuthAge of a role session counts from the MFA behind its source session.
    iam.put_role_policy(RoleName="no-mfa-trust", PolicyName="fresh-mfa-only",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Deny", "Action": "ec2:*", "Resource": "*",
                             "Condition": {"NumericGreaterThan":
                                           {"aws:MultiFactorAuthAge": "300"}}}]}))
    session = mfa_session(local_aws, roles)
    local_aws.clock_offset = 600      # within SigV4's 15-minute window for this client
    late = local_aws.client("ec2", **session_keys(assume(local_aws, session, role["Arn"])["Credentials"]))
    assert error_of(late.describe_instances)["Error"]["Code"] == "UnauthorizedOperation"


def test_two_accounts_keep_their_instances_apart(local_aws, roles):
    session = mfa_session(local_aws, roles)
    ops = local_aws.client("ec2", **session_keys(assume(local_aws, session,
                                                roles.ops_role_arn)["Credentials"]))
    audit = local_aws.client("ec2", **session_keys(assume(local_aws, session,
                                                  roles.audit_role_arn)["Credentials"]))
    assert instance_ids(ops) == [roles.ops_instance_id]
    assert instance_ids(audit) == [roles.audit_instance_id]
    assert instance_ids(local_aws.client("ec2")) == [roles.ops_instance_id]
    assert instance_ids(local_aws.client("ec2", account_id=roles.account_b)) == \
        [roles.audit_instance_id]
    # ops may stop instances, but account B's instance does not exist in account A.
    response = error_of(lambda: ops.stop_instances(InstanceIds=[roles.audit_instance_id]))
    assert response["Error"]["Code"] == "InvalidInstanceID.NotFound"
    assert state_of(local_aws, roles.audit_instance_id, roles.account_b) == "running"


def test_role_session_expires_on_the_server_clock(local_aws, roles):
    response = assume(local_aws, mfa_session(local_aws, roles), roles.ops_role_arn,
                      DurationSeconds=900)
    creds = session_keys(response["Credentials"])
    local_aws.clock_offset = 890
    assert local_aws.client("sts", **creds).get_caller_identity()["Account"] == roles.account_a
    local_aws.clock_offset = 901
    response = error_of(lambda: local_aws.client("sts", **creds).get_caller_identity())
    assert response["Error"]["Code"] == "ExpiredToken"
    ec2 = local_aws.client("ec2", **creds)
    response = error_of(lambda: ec2.stop_instances(InstanceIds=[roles.ops_instance_id]))
    assert response["Error"]["Code"] == "RequestExpired"
    # The MFA session it came from (12 h) still gives a new role session without a code.
    assert local_aws.codes_spent == 1


def test_role_session_keys_are_verified(local_aws, roles):
    creds = session_keys(assume(local_aws, mfa_session(local_aws, roles),
                        roles.audit_role_arn)["Credentials"])
    bad_secret = dict(creds, aws_secret_access_key="x" * 40)
    response = error_of(lambda: local_aws.client("sts", **bad_secret).get_caller_identity())
    assert response["Error"]["Code"] == "SignatureDoesNotMatch"
    bad_token = dict(creds, aws_session_token=creds["aws_session_token"][:-4] + "AAAA")
    response = error_of(lambda: local_aws.client("ec2", **bad_token).describe_instances())
    assert response["Error"]["Code"] == "AuthFailure"
    # A deleted role takes its sessions along.
    iam_b = local_aws.client("iam", account_id=roles.account_b)
    iam_b.delete_role_policy(RoleName="audit", PolicyName="ec2-read")
    iam_b.delete_role(RoleName="audit")
    response = error_of(lambda: local_aws.client("sts", **creds).get_caller_identity())
    assert response["Error"]["Code"] == "InvalidClientTokenId"


@pytest.mark.parametrize("params, member", [
    ({"RoleSessionName": "has space"}, "roleSessionName"),
    ({"RoleSessionName": "x" * 65}, "roleSessionName"),
    ({"RoleSessionName": "ok", "DurationSeconds": 899}, "durationSeconds"),
    ({"RoleSessionName": "ok", "ExternalId": "a b"}, "externalId"),
    ({"RoleSessionName": "ok", "TokenCode": "12345a", "SerialNumber": "arn:aws:iam::1:mfa/x"},
     "tokenCode"),
])
def test_assume_role_input_is_validated(local_aws, roles, params, member):
    sts = local_aws.client("sts", validate=False, **roles.credentials)
    response = error_of(lambda: sts.assume_role(RoleArn=roles.ops_role_arn, **params))
    assert response["Error"]["Code"] == "ValidationError"
    assert f"at '{member}' failed to satisfy constraint" in response["Error"]["Message"]


def test_session_policies_are_refused_not_ignored(local_aws, roles):
    session = mfa_session(local_aws, roles)
    response = error_of(lambda: assume(local_aws, session, roles.ops_role_arn, Policy=json.dumps(
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]})))
    assert response["Error"]["Code"] == "ValidationError"
    assert "session policies" in response["Error"]["Message"]


# -- the trust evaluator on its own -------------------------------------------------------------

USER = trust.Caller("arn:aws:iam::123456789012:user/u", "123456789012", None)
ROLE_SESSION = trust.Caller("arn:aws:sts::123456789012:assumed-role/r/s", "123456789012",
                            "arn:aws:iam::123456789012:role/r")


def _ctx(mfa=None, external_id=None):
    return policy.RequestContext(action="sts:AssumeRole", resources=None,
                                 principal_arn=USER.arn, user_name="u", user_id="AIDA",
                                 account_id="123456789012", mfa_present=mfa,
                                 mfa_age=0 if mfa else None, external_id=external_id)


def _trust(principal, **statement):
    return {"Version": "2012-10-17",
            "Statement": [dict({"Effect": "Allow", "Principal": principal,
                                "Action": "sts:AssumeRole"}, **statement)]}


@pytest.mark.parametrize("principal, caller, allowed, direct", [
    ({"AWS": "123456789012"}, USER, True, False),
    ({"AWS": "arn:aws:iam::123456789012:root"}, ROLE_SESSION, True, False),
    ({"AWS": "*"}, USER, True, False),
    ("*", USER, True, False),
    ({"AWS": ["arn:aws:iam::999999999999:root", "arn:aws:iam::123456789012:user/u"]}, USER,
     True, True),
    ({"AWS": "arn:aws:iam::123456789012:role/r"}, ROLE_SESSION, True, True),
    ({"AWS": "arn:aws:sts::123456789012:assumed-role/r/s"}, ROLE_SESSION, True, True),
    ({"AWS": "arn:aws:iam::123456789012:user/v"}, USER, False, None),
    ({"AWS": "arn:aws:iam::999999999999:root"}, USER, False, None),
    ({"Service": "ec2.amazonaws.com"}, USER, False, None),
])
def test_trust_principals(principal, caller, allowed, direct):
    verdict = trust.evaluate(_trust(principal), caller, _ctx())
    assert verdict.allowed is allowed
    if allowed:
        assert verdict.needs_identity_policy is not direct


def test_trust_conditions_and_fail_closed():
    mfa = _trust({"AWS": "123456789012"},
                 Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    assert not trust.evaluate(mfa, USER, _ctx()).allowed                 # key absent
    assert not trust.evaluate(mfa, USER, _ctx(mfa=False)).allowed
    assert trust.evaluate(mfa, USER, _ctx(mfa=True)).allowed
    ext = _trust({"AWS": "123456789012"}, Condition={"StringEquals": {"sts:ExternalId": "e-1"}})
    assert not trust.evaluate(ext, USER, _ctx()).allowed
    assert not trust.evaluate(ext, USER, _ctx(external_id="e-2")).allowed
    assert trust.evaluate(ext, USER, _ctx(external_id="e-1")).allowed
    odd = _trust({"AWS": "123456789012"}, Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    assert not trust.evaluate(odd, USER, _ctx(mfa=True)).allowed
    other_action = _trust({"AWS": "123456789012"}, Action="sts:AssumeRoleWithSAML")
    assert not trust.evaluate(other_action, USER, _ctx()).allowed
    deny = {"Version": "2012-10-17", "Statement": _trust({"AWS": "*"})["Statement"] + [
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
         "Condition": {"StringNotEquals": {"sts:ExternalId": "e-1"}}}]}
    assert trust.evaluate(deny, USER, _ctx()).explicit_deny              # absent: NotEquals holds
    assert trust.evaluate(deny, USER, _ctx(external_id="e-1")).allowed
    assert not trust.evaluate(None, USER, _ctx()).allowed


# -- the real aws CLI ------------------------------------------------------------------------

def test_aws_cli_role_profile_prompts_and_assumes_with_the_code(local_aws, roles, roles_cli):
    refused = roles_cli("sts", "assume-role", "--role-arn", roles.ops_role_arn,
                        "--role-session-name", "no-mfa")
    assert refused.returncode != 0
    assert "AccessDenied" in refused.stderr and roles.ops_role_arn in refused.stderr
    # [profile ops]: the CLI asks for the code of mfa_serial and calls AssumeRole with it.
    code = local_aws.fresh_code(roles.serial_number)
    stopped = roles_cli("ec2", "stop-instances", "--instance-ids", roles.ops_instance_id,
                        "--profile", "ops", input=code + "\n", check=True)
    assert json.loads(stopped.stdout)["StoppingInstances"][0]["InstanceId"] == \
        roles.ops_instance_id
    assert state_of(local_aws, roles.ops_instance_id) in ("stopping", "stopped")
    # The same code again, for audit (the CLI asks once per role): refused as reused.
    reused = roles_cli("ec2", "describe-instances", "--profile", "audit", input=code + "\n")
    assert reused.returncode != 0 and "AccessDenied" in reused.stderr
    code = local_aws.fresh_code(roles.serial_number)
    audit = roles_cli("ec2", "describe-instances", "--profile", "audit", input=code + "\n",
                      check=True)
    assert roles.audit_instance_id in audit.stdout and roles.ops_instance_id not in audit.stdout
    refused = roles_cli("ec2", "stop-instances", "--instance-ids", roles.audit_instance_id,
                        "--profile", "audit")         # cached role credentials: no prompt
    assert refused.returncode != 0 and "UnauthorizedOperation" in refused.stderr
    assert local_aws.codes_spent == 2


def test_aws_cli_roles_on_top_of_an_mfa_session(local_aws, roles, roles_cli):
    code = local_aws.fresh_code(roles.serial_number)
    ok = roles_cli("sts", "get-session-token", "--serial-number", roles.serial_number,
                   "--token-code", code, check=True)
    creds = json.loads(ok.stdout)["Credentials"]
    with open(roles_cli.credentials_file, "a") as f:
        f.write("\n[mfa]\n"
                f"aws_access_key_id = {creds['AccessKeyId']}\n"
                f"aws_secret_access_key = {creds['SecretAccessKey']}\n"
                f"aws_session_token = {creds['SessionToken']}\n")
    with open(roles_cli.config_file, "a") as f:
        f.write(f"\n[profile ops-via-mfa]\nrole_arn = {roles.ops_role_arn}\n"
                "source_profile = mfa\n"
                f"\n[profile audit-via-mfa]\nrole_arn = {roles.audit_role_arn}\n"
                "source_profile = mfa\n")
    # No prompt (stdin is closed): the MFA session's context satisfies both trust policies.
    stopped = roles_cli("ec2", "stop-instances", "--instance-ids", roles.ops_instance_id,
                        "--profile", "ops-via-mfa", check=True)
    assert roles.ops_instance_id in stopped.stdout
    who = roles_cli("sts", "get-caller-identity", "--profile", "audit-via-mfa", check=True)
    assert json.loads(who.stdout)["Account"] == roles.account_b
    # Chained: more than an hour is refused, an hour is given.
    long = roles_cli("sts", "assume-role", "--role-arn", roles.ops_role_arn,
                     "--role-session-name", "long", "--duration-seconds", "3601",
                     "--profile", "mfa")
    assert long.returncode != 0
    assert "ValidationError" in long.stderr and "role chaining" in long.stderr
    hour = roles_cli("sts", "assume-role", "--role-arn", roles.ops_role_arn,
                     "--role-session-name", "hour", "--duration-seconds", "3600",
                     "--profile", "mfa", check=True)
    assert json.loads(hour.stdout)["AssumedRoleUser"]["Arn"].endswith("assumed-role/ops/hour")
    assert local_aws.codes_spent == 1


def test_time_passes_past_the_roles_hour_and_the_mfa_sessions_day(local_aws, roles, roles_cli):
    """advance(): sessions expire while the aws CLI keeps signing with the machine's clock."""
    code = local_aws.fresh_code(roles.serial_number)
    creds = json.loads(roles_cli("sts", "get-session-token", "--serial-number",
                                 roles.serial_number, "--token-code", code,
                                 check=True).stdout)["Credentials"]
    with open(roles_cli.credentials_file, "a") as f:
        f.write("\n[mfa]\n"
                f"aws_access_key_id = {creds['AccessKeyId']}\n"
                f"aws_secret_access_key = {creds['SecretAccessKey']}\n"
                f"aws_session_token = {creds['SessionToken']}\n")

    def assume_role(name):
        out = roles_cli("sts", "assume-role", "--role-arn", roles.ops_role_arn,
                        "--role-session-name", name, "--profile", "mfa", check=True).stdout
        role = json.loads(out)["Credentials"]
        with open(roles_cli.credentials_file, "a") as f:
            f.write(f"\n[{name}]\n"
                    f"aws_access_key_id = {role['AccessKeyId']}\n"
                    f"aws_secret_access_key = {role['SecretAccessKey']}\n"
                    f"aws_session_token = {role['SessionToken']}\n")

    assume_role("nine-am")
    assert roles_cli("ec2", "describe-instances", "--profile", "nine-am").returncode == 0
    local_aws.advance(3601)                     # past the role session's hour
    expired = roles_cli("ec2", "describe-instances", "--profile", "nine-am")
    assert expired.returncode != 0 and "RequestExpired" in expired.stderr
    assume_role("ten-am")                        # from the MFA session: no code
    assert roles_cli("ec2", "stop-instances", "--instance-ids", roles.ops_instance_id,
                     "--profile", "ten-am").returncode == 0
    local_aws.advance(43200 - 3601)             # the MFA session's 12 hours are over
    over = roles_cli("sts", "assume-role", "--role-arn", roles.ops_role_arn,
                     "--role-session-name", "nine-pm", "--profile", "mfa")
    assert over.returncode != 0 and "ExpiredToken" in over.stderr
    assert local_aws.codes_spent == 1
    # Codes follow the moved clock: the code of now is accepted, the one of 12 hours ago not.
    sts = local_aws.client("sts", **roles.credentials)
    assert sts.get_session_token(SerialNumber=roles.serial_number,
                                 TokenCode=local_aws.fresh_code(roles.serial_number))
    stale = error_of(lambda: sts.get_session_token(SerialNumber=roles.serial_number,
                                                   TokenCode=code))
    assert stale["Error"]["Code"] == "AccessDenied"


# -- serve --scenario roles, for humans ----------------------------------------------------------

def test_serve_roles_scenario_writes_role_profiles(tmp_path):
    folder = tmp_path / "roles-demo"
    env = clean_environment(tmp_path)
    server, text = start_serve(folder, env, "--scenario", "roles")
    try:
        exports = dict(re.findall(r"^export (AWS_[A-Z_]+)=(\S+)$", text, re.MULTILINE))
        assert set(exports) == {"AWS_ENDPOINT_URL", "AWS_SHARED_CREDENTIALS_FILE",
                                "AWS_CONFIG_FILE", "AWS_DEFAULT_REGION"}, text
        state = json.loads((folder / "localaws.json").read_text())
        assert state["scenario"] == "roles"
        config = (folder / "config").read_text()
        for profile, role_arn in (("ops", state["ops_role_arn"]),
                                  ("audit", state["audit_role_arn"])):
            section = config.split(f"[profile {profile}]\n", 1)[1].split("\n\n", 1)[0]
            assert f"role_arn = {role_arn}" in section
            assert "source_profile = default" in section
            assert f"mfa_serial = {state['serial_number']}" in section
        assert state["ops_instance_id"] in text and state["audit_instance_id"] in text

        code = subprocess.run([sys.executable, "-m", "awsshell_setup.localaws", "code",
                               "--dir", str(folder)], env=env, capture_output=True, text=True)
        assert code.returncode == 0, code.stderr
        # A human answering the aws CLI's prompt for profile audit with that code.
        cli_env = dict(env, **exports, AWS_EC2_METADATA_DISABLED="true")
        who = subprocess.run(aws_command() + ["sts", "get-caller-identity", "--profile", "audit"],
                             env=cli_env, input=code.stdout, capture_output=True, text=True,
                             timeout=60, start_new_session=True)
        assert who.returncode == 0, who.stderr
        assert json.loads(who.stdout)["Arn"].startswith(
            f"arn:aws:sts::{state['account_b']}:assumed-role/audit/")
    finally:
        stop_serve(server)
    assert server.returncode == 0
