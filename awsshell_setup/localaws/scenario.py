"""The scenarios, provisioned on a running LocalAWS: the seed (``provision_seed``) and the
roles scenario (``provision_roles``, below).

The seed: an IAM user whose policy allows ``ec2:DescribeInstances`` always but
``ec2:StopInstances`` and ``ec2:TerminateInstances`` only with ``aws:MultiFactorAuthPresent``;
a long-term access key; a virtual MFA device enabled for the user; one running instance to
stop. Everything is created
through the admin key over HTTP, the way a test or a demo would do it against AWS.
"""

import base64
import json
from dataclasses import dataclass
from typing import Iterable, Optional

from . import mfa

# The policy exactly as the seed scenario's user has it (written in the console's visual editor).
SEED_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "VisualEditor0", "Effect": "Allow",
         "Action": ["ec2:StopInstances", "ec2:TerminateInstances"], "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Sid": "VisualEditor1", "Effect": "Allow",
         "Action": "ec2:DescribeInstances", "Resource": "*"},
    ],
}
SEED_POLICY_NAME = "ec2-stop-needs-mfa"
EXTRA_POLICY_NAME = "localaws-extra"

# An AMI moto ships for us-east-1 (moto/ec2/resources/amis.json).
SEED_AMI_ID = "ami-12c6146b"


# Access keys (for `awsmfa rotate`). moto keeps IAM's limit of two access keys per user
# (CreateAccessKey answers LimitExceeded: IAM User Guide, "IAM and AWS STS quotas",
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, "Access keys
# assigned to an IAM user: 2") and has CreateAccessKey, UpdateAccessKey, DeleteAccessKey,
# ListAccessKeys and GetAccessKeyLastUsed as the IAM API reference describes them; the local
# AWS adds their policy checks (authorize, policy; moto records a key's last use) and a new key's
# propagation delay (faults.new_key_delay).
#
# The policy below lets a user manage its own keys, as the IAM User Guide's example "Allows
# IAM users to rotate their own credentials programmatically and in the console"
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage-passwords-accesskeys-ssh.html),
# with the change MFA-minded policies make ("Allows MFA-authenticated IAM users to manage their
# own credentials", reference_policies_examples_aws_my-sec-creds-self-manage.html): reading
# its keys needs nothing more, changing them needs aws:MultiFactorAuthPresent.
OWN_KEYS_RESOURCE = "arn:aws:iam::*:user/${aws:username}"
OWN_KEYS_READ_ACTIONS = ["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"]
OWN_KEYS_CHANGE_ACTIONS = ["iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey"]


def own_access_keys_statements(read_needs_mfa: bool = False) -> list:
    """Statements for ``provision_seed(extra_statements=...)``: the user may list its own keys
    and see their last use (with MFA too when ``read_needs_mfa``), and create, deactivate and
    delete its own keys only with MFA (aws:MultiFactorAuthPresent)."""
    with_mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    read = {"Sid": "ReadOwnAccessKeys", "Effect": "Allow", "Action": OWN_KEYS_READ_ACTIONS,
            "Resource": OWN_KEYS_RESOURCE}
    if read_needs_mfa:
        read["Condition"] = with_mfa
    change = {"Sid": "ChangeOwnAccessKeysWithMFA", "Effect": "Allow",
              "Action": OWN_KEYS_CHANGE_ACTIONS, "Resource": OWN_KEYS_RESOURCE,
              "Condition": with_mfa}
    return [read, change]


def list_own_mfa_devices_statement(user_arn: str) -> dict:
    """An extra statement tests add so the user may discover its own device."""
    return {"Effect": "Allow", "Action": "iam:ListMFADevices", "Resource": user_arn}


@dataclass(frozen=True)
class SeedUser:
    user_name: str
    user_arn: str
    access_key_id: str
    secret_access_key: str
    serial_number: str
    seed: str                 # Base32 TOTP seed of the virtual MFA device
    instance_id: str
    region: str = "us-east-1"
    account_id: str = "123456789012"

    @property
    def credentials(self) -> dict:
        """boto3-style keyword arguments for the long-term key."""
        return {"aws_access_key_id": self.access_key_id,
                "aws_secret_access_key": self.secret_access_key}


def provision_seed(local, user_name: str = "trainee",
                   extra_statements: Iterable[dict] = (), region: str = "us-east-1") -> SeedUser:
    """Create the seed scenario on ``local`` (a started LocalAWS) and return its handles.

    ``extra_statements`` go into a separate inline policy, so the seed's own policy stays
    exactly as in the design notes.
    """
    iam = local.client("iam", region)
    ec2 = local.client("ec2", region)

    user = iam.create_user(UserName=user_name)["User"]
    policy_arn = iam.create_policy(PolicyName=SEED_POLICY_NAME,
                                   PolicyDocument=json.dumps(SEED_POLICY))["Policy"]["Arn"]
    iam.attach_user_policy(UserName=user_name, PolicyArn=policy_arn)
    extra = list(extra_statements)
    if extra:
        iam.put_user_policy(UserName=user_name, PolicyName=EXTRA_POLICY_NAME,
                            PolicyDocument=json.dumps({"Version": "2012-10-17",
                                                       "Statement": extra}))
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    serial, seed = _enable_virtual_device(local, iam, user_name)
    instance_id = _run_instance(ec2)

    return SeedUser(
        user_name=user_name,
        user_arn=user["Arn"],
        access_key_id=key["AccessKeyId"],
        secret_access_key=key["SecretAccessKey"],
        serial_number=serial,
        seed=seed,
        instance_id=instance_id,
        region=region,
        account_id=local.account_id,
    )


def _seed_text(value) -> str:
    """The Base32 seed as text. AWS sends it base64-encoded as a blob, which botocore decodes
    to the bytes of the Base32 string; be lenient about what else a version might return."""
    if isinstance(value, bytes):
        value = value.decode("ascii")
    value = value.strip()
    try:
        base64.b32decode(value + "=" * (-len(value) % 8))
        return value
    except ValueError:
        return base64.b64decode(value).decode("ascii")


# -- the roles scenario ------------------------------------------------------------------------
#
# One IAM user in account A whose own policy allows nothing but sts:AssumeRole, with a virtual
# MFA device; role ``ops`` in account A (trust: account A with MFA; may stop, terminate and
# describe instances, stop/terminate only with MFA in the role session); role ``audit`` in
# account B (trust: account A, with MFA unless told otherwise, optionally an external id;
# read only). One running instance in each account. The shape of a common multi-account setup:
# users in one account, roles in the others, MFA required to assume them.

ROLES_ACCOUNT_A = "123456789012"   # moto's default account: the admin key's, and the user's
ROLES_ACCOUNT_B = "111122223333"   # the second account, as the AWS docs' examples name it
OPS_ROLE, AUDIT_ROLE = "ops", "audit"
ROLES_USER_POLICY_NAME = "assume-roles-only"


def trust_policy(trusted_account: str, require_mfa: bool = True,
                 external_id: Optional[str] = None) -> dict:
    """A role trust policy trusting ``trusted_account`` (its root ARN: the account's identity
    policies decide which of its principals may assume the role), with the conditions AWS
    documents for MFA and for third parties."""
    condition = {}
    if require_mfa:
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    if external_id is not None:
        condition["StringEquals"] = {"sts:ExternalId": external_id}
    statement = {"Effect": "Allow",
                 "Principal": {"AWS": f"arn:aws:iam::{trusted_account}:root"},
                 "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


OPS_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["ec2:StopInstances", "ec2:TerminateInstances"],
         "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"},
    ],
}
AUDIT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}],
}


@dataclass(frozen=True)
class RolesScenario:
    user_name: str
    user_arn: str
    access_key_id: str
    secret_access_key: str
    serial_number: str
    seed: str                   # Base32 TOTP seed of the user's virtual MFA device
    account_a: str              # the user's account, and role ops's
    account_b: str              # role audit's account
    ops_role_arn: str
    audit_role_arn: str
    ops_instance_id: str        # running, in account A
    audit_instance_id: str      # running, in account B
    ops_max_session_duration: int
    audit_max_session_duration: int
    audit_requires_mfa: bool
    audit_external_id: Optional[str]
    region: str = "us-east-1"

    @property
    def credentials(self) -> dict:
        """boto3-style keyword arguments for the user's long-term key."""
        return {"aws_access_key_id": self.access_key_id,
                "aws_secret_access_key": self.secret_access_key}


def provision_roles(local, user_name: str = "engineer", region: str = "us-east-1",
                    ops_max_session_duration: int = 43200,
                    audit_max_session_duration: int = 3600,
                    audit_requires_mfa: bool = True,
                    audit_external_id: Optional[str] = None) -> RolesScenario:
    """Create the roles scenario on ``local`` (a started LocalAWS) and return its handles.

    ``ops`` allows sessions up to 12 hours by default (AssumeRole with long-term keys and an
    MFA code may ask for that much; chained calls stay capped at one hour) and ``audit`` the
    default hour, so both limits can be seen.
    """
    account_a, account_b = ROLES_ACCOUNT_A, ROLES_ACCOUNT_B
    if local.account_id != account_a:
        raise ValueError(f"the roles scenario expects the admin's default account {account_a}")
    iam_a = local.client("iam", region)
    iam_b = local.client("iam", region, account_id=account_b)

    ops = iam_a.create_role(
        RoleName=OPS_ROLE, MaxSessionDuration=ops_max_session_duration,
        AssumeRolePolicyDocument=json.dumps(trust_policy(account_a)))["Role"]
    iam_a.put_role_policy(RoleName=OPS_ROLE, PolicyName="ec2-operate",
                          PolicyDocument=json.dumps(OPS_POLICY))
    audit = iam_b.create_role(
        RoleName=AUDIT_ROLE, MaxSessionDuration=audit_max_session_duration,
        AssumeRolePolicyDocument=json.dumps(trust_policy(account_a, audit_requires_mfa,
                                                         audit_external_id)))["Role"]
    iam_b.put_role_policy(RoleName=AUDIT_ROLE, PolicyName="ec2-read",
                          PolicyDocument=json.dumps(AUDIT_POLICY))

    user = iam_a.create_user(UserName=user_name)["User"]
    # Nothing but sts:AssumeRole on the two roles (GetSessionToken needs no permission).
    iam_a.put_user_policy(UserName=user_name, PolicyName=ROLES_USER_POLICY_NAME,
                          PolicyDocument=json.dumps({
                              "Version": "2012-10-17",
                              "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                             "Resource": [ops["Arn"], audit["Arn"]]}]}))
    key = iam_a.create_access_key(UserName=user_name)["AccessKey"]
    serial, seed = _enable_virtual_device(local, iam_a, user_name)

    ops_instance = _run_instance(local.client("ec2", region))
    audit_instance = _run_instance(local.client("ec2", region, account_id=account_b))

    return RolesScenario(
        user_name=user_name, user_arn=user["Arn"],
        access_key_id=key["AccessKeyId"], secret_access_key=key["SecretAccessKey"],
        serial_number=serial, seed=seed, account_a=account_a, account_b=account_b,
        ops_role_arn=ops["Arn"], audit_role_arn=audit["Arn"],
        ops_instance_id=ops_instance, audit_instance_id=audit_instance,
        ops_max_session_duration=ops_max_session_duration,
        audit_max_session_duration=audit_max_session_duration,
        audit_requires_mfa=audit_requires_mfa, audit_external_id=audit_external_id,
        region=region,
    )


def _enable_virtual_device(local, iam, user_name: str):
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user_name)["VirtualMFADevice"]
    serial = device["SerialNumber"]
    seed = _seed_text(device["Base32StringSeed"])
    # Like the console: two consecutive codes (the previous step's and the current one).
    now = local.now()
    iam.enable_mfa_device(
        UserName=user_name, SerialNumber=serial,
        AuthenticationCode1=mfa.code_at(seed, now - mfa.STEP_SECONDS),
        AuthenticationCode2=mfa.code_at(seed, now),
    )
    return serial, seed


def _run_instance(ec2) -> str:
    reservation = ec2.run_instances(ImageId=SEED_AMI_ID, InstanceType="t2.micro",
                                    MinCount=1, MaxCount=1)
    return reservation["Instances"][0]["InstanceId"]
