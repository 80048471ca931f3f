"""`awsmfa exec` end to end over HTTP against the local AWS, with the real `aws` CLI as the command."""
import subprocess


from awscli import aws_command
from awsenv import AWSMFA
from localaws_fixtures import roles_home
from awsshell_setup.localaws import provision_roles


def no_terminal(user, *args):
    return subprocess.run(["setsid", "-w"] + AWSMFA + list(args), env=user.environ(), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=90)


def test_the_aws_cli_runs_with_the_session(user, local_aws, seed_user):
    code = local_aws.fresh_code(seed_user.serial_number)
    who = no_terminal(user, "exec", "--token-code", code, "--", *aws_command(), "sts", "get-caller-identity",
                      "--query", "Arn", "--output", "text")
    assert who.returncode == 0 and who.stdout == seed_user.user_arn + "\n", who.stderr
    # The next command reuses the stored session (no code) and may do what needs MFA.
    stop = no_terminal(user, "exec", "-q", "--", *aws_command(), "ec2", "stop-instances", "--instance-ids",
                       seed_user.instance_id, "--output", "text")
    assert stop.returncode == 0, stop.stderr
    # Without exec the same command is refused: the session was in the command's environment only.
    assert user.aws("ec2", "stop-instances", "--instance-ids", seed_user.instance_id).returncode != 0


def test_the_aws_cli_exit_status_comes_through(user, local_aws, seed_user):
    code = local_aws.fresh_code(seed_user.serial_number)
    failed = no_terminal(user, "exec", "-q", "--token-code", code, "--", *aws_command(), "ec2", "stop-instances",
                         "--instance-ids", "i-0000000000000dead")
    assert "InvalidInstanceID" in failed.stderr and failed.stdout == "", failed
    # The AWS CLI's own status for a refusal (255 for v1, 254 for v2), as it gives it when run directly.
    direct = user.aws("ec2", "stop-instances", "--instance-ids", "i-0000000000000dead")
    assert "UnauthorizedOperation" in direct.stderr and direct.returncode in (254, 255)
    assert failed.returncode == direct.returncode


def test_a_role_through_exec(tmp_path, local_aws):
    scenario = provision_roles(local_aws)
    user = roles_home(tmp_path / "home", local_aws, scenario)
    who = no_terminal(user, "exec", "--profile", "ops", "--token-code", local_aws.fresh_code(scenario.serial_number),
                      "--", *aws_command(), "sts", "get-caller-identity", "--query", "Arn", "--output", "text")
    assert who.returncode == 0 and ":assumed-role/ops/" in who.stdout, who.stderr
    stop = no_terminal(user, "exec", "-q", "--profile", "ops", "--", *aws_command(), "ec2", "stop-instances",
                       "--instance-ids", scenario.ops_instance_id, "--output", "text")
    assert stop.returncode == 0, stop.stderr
