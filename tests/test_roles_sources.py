"""Sources botocore accepts (sourcekeys.py, docs/roles.md "Sources"): a role profile that is
its own source (keys and role_arn in one profile) works in the default (shared) mode, with the
real AWS CLI v1 as the client against the local AWS; a source whose credential_process gives
a session (not long-term keys), an SSO source, awsmfa's own session profile as a source and a quoted
profile name are each refused in one line naming the way out, before any code is asked for
(mfa_process would leave a mark) and with nothing written.
"""
import subprocess

import pytest

from awsenv import AWSMFA, BASE, LONG_TERM, OPS_ARN, SERIAL, offline_user, stored_session
from awscli import aws_command
from awsshell_setup.localaws import provision_roles
from awsenv import AwsUser


def test_a_role_that_is_its_own_source_works_in_shared_mode(local_aws, tmp_path):
    scenario = provision_roles(local_aws)
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    user.write_credentials(f"[ops]\naws_access_key_id = {scenario.access_key_id}\n"
                           f"aws_secret_access_key = {scenario.secret_access_key}\n")
    user.write_config(f"[profile ops]\nrole_arn = {scenario.ops_role_arn}\nsource_profile = ops\n"
                      f"mfa_serial = {scenario.serial_number}\nregion = us-east-1\n")
    code = local_aws.fresh_code(scenario.serial_number)
    script = (f"eval \"$({' '.join(AWSMFA)} env --shell bash --profile ops --token-code {code})\" || exit 9; "
              f"{' '.join(aws_command())} sts get-caller-identity --query Arn --output text")
    result = subprocess.run(["bash", "-c", script], env=user.environ(), capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0 and ":assumed-role/ops/" in result.stdout, (result.stdout, result.stderr)
    # The role session and the MFA session of the profile's own keys live side by side.
    text = user.read_credentials()
    assert "[ops-mfa]" in text and "[ops-keys-mfa]" in text
    # A second role session needs no code: the MFA session is reused.
    again = user.awsmfa("env", "--profile", "ops", "--force", "--shell", "bash")
    assert again.returncode == 0, again.stderr


SOURCES = {
    # A secret store is served (test_glue_keys_store.py); one that holds a session is refused.
    "credential_process with a session": (
        "[profile base]\ncredential_process = printf '{\"Version\": 1, \"AccessKeyId\": \"ASIAX\", "
        "\"SecretAccessKey\": \"s\", \"SessionToken\": \"t\"}'\n", "",
        "gave session credentials (a SessionToken)"),
    "sso": ("[profile base]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n", "",
            "aws sso login --profile base"),
    "awsmfa session": ("", stored_session(name="base", source="default"), "is a session awsmfa wrote for [default]"),
}


@pytest.mark.parametrize("kind", sorted(SOURCES))
@pytest.mark.parametrize("profile", ["ops", "base"])
def test_a_source_awsmfa_does_not_serve_is_refused_in_one_line_before_the_code(tmp_path, kind, profile):
    config, credentials, expected = SOURCES[kind]
    marker = tmp_path / "code-asked"
    user = offline_user(tmp_path / "home", credentials=LONG_TERM + credentials,
                        config=f"{config or '[profile base]'+chr(10)}mfa_process = touch {marker}; echo 123456\n"
                               f"[profile ops]\nrole_arn = {OPS_ARN}\nsource_profile = base\nmfa_serial = {SERIAL}\n"
                               f"mfa_process = touch {marker}; echo 123456\n")
    before = (user.read_credentials(), open(user.config).read())
    result = user.awsmfa("env", "--profile", profile, "--shell", "bash")
    errors = [line for line in result.stderr.splitlines() if line.startswith("awsmfa: error:")]
    assert result.returncode != 0 and len(errors) == 1 and result.stdout == "", result.stderr
    assert expected in errors[0] and "Traceback" not in result.stderr
    assert not marker.exists()
    assert (user.read_credentials(), open(user.config).read()) == before


def test_a_quoted_role_profile_name_is_refused_with_a_name_that_works(tmp_path):
    user = offline_user(tmp_path / "home", credentials=LONG_TERM + BASE,
                        config=f'[profile "my ops"]\nrole_arn = {OPS_ARN}\nsource_profile = base\n')
    result = user.awsmfa("env", "--profile", "my ops", "--shell", "bash")
    assert result.returncode != 0 and result.stdout == ""
    assert "rename the profile, e.g. to my-ops" in result.stderr and len(result.stderr.splitlines()) == 1
