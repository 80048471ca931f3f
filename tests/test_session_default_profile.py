"""AWS_DEFAULT_PROFILE left in a shell: botocore (AWS CLI v1, boto3) reads it before AWS_PROFILE,
so after `mfa --profile ops` every call must still run as the role, not as the long-term user;
and awsmfa picks its own profile from the two variables as botocore does (AWS_DEFAULT_PROFILE
first). Real AWS CLI v1 and boto3 against the local AWS (render.DEFAULT_PROFILE_VARIABLE,
rules.ambient_profile).
"""
import subprocess
import sys

from awscli import aws_command
from awsenv import AWSMFA
from localaws_fixtures import roles_home
from awsshell_setup.localaws import provision_roles

BOTO3_WHO = "import boto3; print(boto3.Session().client('sts').get_caller_identity()['Arn'])"


def _in_bash(user, env, script):
    """Run `script` in a real bash whose environment is the user's plus `env`."""
    return subprocess.run(["bash", "-c", script], env=user.environ(**env), capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def _who_after_mfa(user, env, code, *options):
    """ARNs the AWS CLI v1 and boto3 see in a bash that evaluated `awsmfa env`'s output."""
    awsmfa = " ".join(AWSMFA)
    cli = " ".join(aws_command())
    script = (f"out=\"$({awsmfa} env --shell bash --token-code {code} {' '.join(options)})\" || exit 9; eval \"$out\"; "
              f"{cli} sts get-caller-identity --query Arn --output text; {sys.executable} -c \"{BOTO3_WHO}\"")
    result = _in_bash(user, env, script)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_role_wins_over_an_aws_default_profile_left_in_the_shell(local_aws, tmp_path):
    scenario = provision_roles(local_aws)
    user = roles_home(tmp_path / "home", local_aws, scenario)
    cli_arn, boto3_arn = _who_after_mfa(user, {"AWS_DEFAULT_PROFILE": "base"},
                                        local_aws.fresh_code(scenario.serial_number), "--profile", "ops")
    assert ":assumed-role/ops/" in cli_arn and ":assumed-role/ops/" in boto3_arn, (cli_arn, boto3_arn)


def test_exec_gives_the_command_the_role_despite_aws_default_profile(local_aws, tmp_path):
    scenario = provision_roles(local_aws)
    user = roles_home(tmp_path / "home", local_aws, scenario)
    result = subprocess.run(AWSMFA + ["exec", "-q", "--profile", "ops", "--token-code",
                                      local_aws.fresh_code(scenario.serial_number), "--", sys.executable, "-c",
                                      BOTO3_WHO], env=user.environ(AWS_DEFAULT_PROFILE="base"),
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0 and ":assumed-role/ops/" in result.stdout, (result.stdout, result.stderr)


def test_awsmfa_chooses_the_profile_botocore_would(local_aws, tmp_path):
    """AWS_DEFAULT_PROFILE=ops, AWS_PROFILE=base: botocore uses ops, and so does `mfa` with no
    --profile; the shell then runs as the role."""
    scenario = provision_roles(local_aws)
    user = roles_home(tmp_path / "home", local_aws, scenario)
    cli_arn, boto3_arn = _who_after_mfa(user, {"AWS_DEFAULT_PROFILE": "ops", "AWS_PROFILE": "base"},
                                        local_aws.fresh_code(scenario.serial_number))
    assert ":assumed-role/ops/" in cli_arn and ":assumed-role/ops/" in boto3_arn, (cli_arn, boto3_arn)


def test_a_plain_session_is_the_users_own_with_the_source_in_aws_default_profile(local_aws, tmp_path):
    """A plain session exports keys; the long-term profile in AWS_DEFAULT_PROFILE is removed
    too, so the profile the shell names is the session's for every client."""
    scenario = provision_roles(local_aws)
    user = roles_home(tmp_path / "home", local_aws, scenario)
    code = local_aws.fresh_code(scenario.serial_number)
    awsmfa = " ".join(AWSMFA)
    result = _in_bash(user, {"AWS_DEFAULT_PROFILE": "base"},
                      f"eval \"$({awsmfa} env --shell bash --token-code {code})\"; "
                      "echo \"profile=$AWS_PROFILE default=${AWS_DEFAULT_PROFILE-unset}\"")
    assert "profile=base-mfa default=unset" in result.stdout, (result.stdout, result.stderr)
