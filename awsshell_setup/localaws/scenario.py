"""The seed scenario (DESIGN.md section 1), provisioned on a running LocalAWS.

An IAM user whose policy allows ``ec2:DescribeInstances`` always but ``ec2:StopInstances`` and
``ec2:TerminateInstances`` only with ``aws:MultiFactorAuthPresent``; a long-term access key; a
virtual MFA device enabled for the user; one running instance to stop. Everything is created
through the admin key over HTTP, the way a test or a demo would do it against AWS.
"""

import base64
import json
from dataclasses import dataclass
from typing import Iterable

from . import mfa

# The policy exactly as the user of DESIGN.md section 1 has it.
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

    reservation = ec2.run_instances(ImageId=SEED_AMI_ID, InstanceType="t2.micro",
                                    MinCount=1, MaxCount=1)
    instance_id = reservation["Instances"][0]["InstanceId"]

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
