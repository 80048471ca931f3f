"""Fixtures for the local AWS's roles scenario; import the ones a test module uses:

    from localaws_fixtures import roles, roles_cli  # noqa: F401  (pytest fixtures)

* ``roles``      the roles scenario (``provision_roles``) on the ``local_aws`` of conftest.py:
                 user ``engineer`` in account 123456789012 allowed nothing but sts:AssumeRole,
                 its MFA device, role ``ops`` there and role ``audit`` in 111122223333, both
                 trusting the first account with MFA, one running instance in each account.
* ``keys_user``  the seed's trainee (``provision_seed``), which may list its own access keys,
                 and make and delete them with an MFA session (what ``awsmfa rotate`` needs);
                 ``keys_home`` gives it a home;
* ``roles_cli``  runs the real ``aws`` command with the scenario's files (``[default]`` keys,
                 ``[profile ops]`` and ``[profile audit]`` with role_arn, source_profile and
                 mfa_serial) in a scrubbed environment; ``roles_cli(..., input=code + "\\n")``
                 answers the CLI's MFA prompt.
"""

import pytest

from awsshell_setup.localaws import provision_roles, provision_seed
from awsshell_setup.localaws.commands import write_roles_files
from awsshell_setup.localaws.scenario import own_access_keys_statements
from awscli import AwsCliRunner


@pytest.fixture
def roles(local_aws):
    return provision_roles(local_aws)


@pytest.fixture
def roles_cli(local_aws, roles, tmp_path):
    folder = tmp_path / "localaws-roles"
    folder.mkdir()
    paths = write_roles_files(str(folder), local_aws, roles)
    return AwsCliRunner(tmp_path, local_aws.endpoint_url, paths["credentials"], paths["config"],
                        roles.region)


@pytest.fixture
def keys_user(local_aws):
    return provision_seed(local_aws, extra_statements=own_access_keys_statements())


def keys_home(home, local_aws, keys_user, credentials):
    """An AwsUser at `home` whose credentials file is `credentials` with keys_user's key in its
    {key} and {secret}, and whose [default] config names the region and the MFA device."""
    from awsenv import AwsUser

    user = AwsUser(home, endpoint_url=local_aws.endpoint_url)
    user.write_credentials(credentials.format(key=keys_user.access_key_id, secret=keys_user.secret_access_key))
    user.write_config(f"[default]\nregion = us-east-1\nmfa_serial = {keys_user.serial_number}\n")
    return user


def roles_home(home, local_aws, scenario):
    """An AwsUser at `home` with the roles scenario's long-term keys in [base] (its MFA device in
    the config) and the role profile [profile ops] on top of it."""
    from awsenv import AwsUser

    user = AwsUser(home, endpoint_url=local_aws.endpoint_url)
    user.write_credentials(f"[base]\naws_access_key_id = {scenario.access_key_id}\n"
                           f"aws_secret_access_key = {scenario.secret_access_key}\n")
    user.write_config(f"[profile base]\nregion = us-east-1\nmfa_serial = {scenario.serial_number}\n\n"
                      f"[profile ops]\nrole_arn = {scenario.ops_role_arn}\nsource_profile = base\nregion = us-east-1\n")
    return user


def error_of(call):
    """The error response of a boto3 call that must fail (ClientError), for its code and text."""
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as info:
        call()
    return info.value.response


def session_keys(credentials: dict) -> dict:
    """An STS answer's Credentials as the keyword arguments of a boto3 client."""
    return {"aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"]}
