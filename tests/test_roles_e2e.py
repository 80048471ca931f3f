"""Role profiles end to end: one MFA code for two roles in two accounts, over HTTP against the
local AWS, with the real `aws` CLI and the `mfa` function in real bash, zsh and fish.

The scenario (localaws.provision_roles): a user whose own policy allows nothing but
sts:AssumeRole; role `ops` in one account (its trust policy requires MFA; it may stop and
terminate instances) and role `audit` in another (read only). The user's files name them as
role profiles with `source_profile = base`, as the AWS CLI documents them.

Time: AWS caps a role session assumed with an MFA session at one hour. To go past that hour,
the test moves the local AWS's clock (LocalAWS.clock_offset) and, by the same amount, the wall
clock of every Python process the shell starts (tests/clockshim/sitecustomize.py, through
PYTHONPATH): `aws`, `awsmfa` and the credential_process awsmfa the AWS CLI runs. Without the
second, every request would be refused as more than 15 minutes skewed.
"""
import os
import re
import subprocess

import pytest

from awsshell_setup import shells
from awsshell_setup.core import timeutil
from awsshell_setup.localaws import provision_roles

from awsenv import AWSMFA, AwsUser
from shellkit import Interactive, awsmfa, base_env, new_home, require_awsmfa

pytestmark = pytest.mark.slow

CLOCK_SHIM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clockshim")
CODE_PROMPT = r"MFA code for arn:aws:iam::\d+:mfa/\S+: "
HOUR = 3600


def role_files(scenario, region="us-east-1"):
    """(credentials, config) of the scenario's user: long-term keys in [base], two role profiles."""
    credentials = (f"[base]\naws_access_key_id = {scenario.access_key_id}\n"
                   f"aws_secret_access_key = {scenario.secret_access_key}\n")
    config = (f"[profile base]\nregion = {region}\nmfa_serial = {scenario.serial_number}\n\n"
              f"[profile ops]\nrole_arn = {scenario.ops_role_arn}\nsource_profile = base\n"
              f"mfa_serial = {scenario.serial_number}\nregion = {region}\n\n"
              f"[profile audit]\nrole_arn = {scenario.audit_role_arn}\nsource_profile = base\n"
              f"mfa_serial = {scenario.serial_number}\nregion = {region}\n")
    return credentials, config


class Clock:
    """The local AWS's clock and the shim's, moved together."""

    def __init__(self, local_aws, path):
        self.local_aws, self.path = local_aws, str(path)
        self.set(0)

    def set(self, seconds):
        with open(self.path, "w") as handle:
            handle.write(str(seconds))
        self.local_aws.clock_offset = seconds

    def advance(self, seconds):
        self.set(self.local_aws.clock_offset + seconds)


@pytest.fixture
def scenario(local_aws):
    return provision_roles(local_aws)


@pytest.fixture
def world(tmp_path, local_aws, scenario):
    """A throwaway home with the role profiles and the installed `mfa` function; the clock."""
    home = new_home(tmp_path)
    (home / ".aws").mkdir()
    credentials, config = role_files(scenario)
    (home / ".aws" / "credentials").write_text(credentials)
    (home / ".aws" / "config").write_text(config)
    clock = Clock(local_aws, tmp_path / "clock-offset")
    env = base_env(home, AWS_ENDPOINT_URL=local_aws.endpoint_url, AWS_EC2_METADATA_DISABLED="true",
                   PYTHONPATH=CLOCK_SHIM, AWSMFA_TEST_CLOCK_FILE=clock.path, PYTHONDONTWRITEBYTECODE="1")
    return home, env, clock


def mfa(session, *args):
    """Type `mfa ARGS`; return True when it asked for a code (then answered by the caller)."""
    session.child.sendline(" ".join(["mfa", *args]) + " || echo mfa-fail''ed")
    index = session.child.expect([CODE_PROMPT, re.escape(session_prompt())])
    return index == 0


def session_prompt():
    from shellkit import PROMPT

    return PROMPT


def arn_of(session, profile_args=""):
    """Who the AWS CLI in this shell is: the assumed role's ARN."""
    match = session.run(f"aws sts get-caller-identity {profile_args} --query Arn --output text",
                        expect=r"[\r\n](arn:aws:sts::\d+:assumed-role/\S+|arn:aws:iam::\S+)\r?\n")
    return match.group(1)


def role_name(arn):
    return arn.split(":assumed-role/")[1].split("/")[0] if ":assumed-role/" in arn else arn


@pytest.mark.shells
@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_one_code_for_two_roles_in_two_accounts_past_the_role_hour(world, local_aws, scenario, shell_name):
    require_awsmfa()
    home, env, clock = world
    awsmfa("install", "--shell", shell_name, "--yes", "--no-completion", env=env)
    codes = 0
    with Interactive(shell_name, env) as session:
        # The user's own keys may only assume roles: stopping is refused without a role.
        session.run(f"aws ec2 stop-instances --instance-ids {scenario.ops_instance_id} --profile base --output text "
                    "|| echo STOP-REF''USED", expect=r"STOP-REFUSED\r?\n")

        assert mfa(session, "--profile", "ops"), "the first role must ask for the code"
        session.child.sendline(local_aws.fresh_code(scenario.serial_number))
        codes += 1
        session.wait_prompt()
        session.run("printenv AWS_PROFILE", expect=r"[\r\n]ops-mfa-auto\r?\n")
        # No keys in the environment: they would win over AWS_PROFILE and die at the hour.
        session.run("printenv AWS_ACCESS_KEY_ID AWS_SESSION_TOKEN | wc -l; echo keys-coun''ted",
                    expect=r"[\r\n]\s*0\r?\nkeys-counted")
        assert role_name(arn_of(session)) == "ops"
        session.run(f"aws ec2 stop-instances --instance-ids {scenario.ops_instance_id} "
                    "--query 'StoppingInstances[0].InstanceId' --output text",
                    expect=re.escape(scenario.ops_instance_id) + r"\r?\n")

        # The second role, in the other account: no code.
        assert not mfa(session, "--profile", "audit"), "the second role asked for a code:\n" + session.text()[-2000:]
        assert role_name(arn_of(session)) == "audit"
        assert scenario.account_b in arn_of(session)
        session.run("aws ec2 describe-instances --query 'length(Reservations)' --output text && echo desc-o''k",
                    expect=r"desc-ok")
        session.run(f"aws ec2 stop-instances --instance-ids {scenario.audit_instance_id} --output text "
                    "|| echo AUDIT-STOP-REF''USED", expect=r"AUDIT-STOP-REFUSED\r?\n")

        # Another shell (another process with its own environment): the static session profile.
        other = AwsUser(home, endpoint_url=local_aws.endpoint_url)
        who = other.aws("sts", "get-caller-identity", "--profile", "ops-mfa", "--query", "Arn", "--output", "text",
                        env={"PYTHONPATH": CLOCK_SHIM, "AWSMFA_TEST_CLOCK_FILE": clock.path})
        assert who.returncode == 0 and role_name(who.stdout.strip()) == "ops", who.stderr

        # Past the role's hour: the same shell keeps working with no code, on both roles.
        clock.advance(HOUR + 300)
        assert role_name(arn_of(session)) == "audit"
        assert not mfa(session, "--profile", "ops"), "renewing a role within the MFA session asked for a code"
        session.run(f"aws ec2 terminate-instances --instance-ids {scenario.ops_instance_id} "
                    "--query 'TerminatingInstances[0].InstanceId' --output text",
                    expect=re.escape(scenario.ops_instance_id) + r"\r?\n")
        # ... and for hours more, while the MFA session (12 h) lives.
        for _ in range(3):
            clock.advance(3 * HOUR)
            assert role_name(arn_of(session)) == "ops"

        # Once the MFA session has ended, the same shell asks again: the AWS CLI runs awsmfa,
        # which asks on the terminal.
        clock.advance(3 * HOUR)
        session.child.sendline("aws sts get-caller-identity --query Arn --output text")
        session.child.expect(CODE_PROMPT)
        session.child.sendline(local_aws.fresh_code(scenario.serial_number))
        codes += 1
        session.child.expect(r"[\r\n]arn:aws:sts::\d+:assumed-role/ops/\S+\r?\n")
        session.wait_prompt()
    assert codes == 2 and len(re.findall(CODE_PROMPT, session.text())) == 2, session.text()[-3000:]


def test_the_local_aws_refuses_the_role_without_mfa(world, local_aws, scenario):
    """The trust policy of ops demands MFA: the long-term keys alone are refused, as by AWS."""
    home, env, clock = world
    user = AwsUser(home, endpoint_url=local_aws.endpoint_url)
    refused = user.aws("sts", "assume-role", "--role-arn", scenario.ops_role_arn, "--role-session-name", "no-mfa",
                       "--profile", "base")
    assert refused.returncode != 0 and "AccessDenied" in refused.stderr


def test_per_role_mode_spends_a_code_per_role_and_gets_the_role_duration(world, local_aws, scenario):
    home, env, clock = world
    config = home / ".aws" / "config"
    config.write_text(config.read_text().replace("[profile ops]\n", "[profile ops]\nduration_seconds = 7200\n"))
    user = AwsUser(home, endpoint_url=local_aws.endpoint_url)
    for profile in ("ops", "audit"):
        result = user.awsmfa("login", "--profile", profile, "--role-mfa", "per-role",
                             "--token-code", local_aws.fresh_code(scenario.serial_number))
        assert result.returncode == 0, result.stderr
        # No MFA session behind it: its self-renewing profile does not renew without a code.
        assert f"[{profile}-mfa-auto] renews it, asking for a code each time" in result.stderr, result.stderr
        assert "renews itself" not in result.stderr, result.stderr
    stored = user.read_credentials()
    assert "[base-mfa]" not in stored  # no MFA session: each role took its own code
    ops = re.search(r"\[ops-mfa\][^\[]*awsmfa_duration_seconds = (\d+)", stored)
    assert ops and ops.group(1) == "7200"
    # Without a code, per-role cannot renew: with no terminal to ask on, it says how to pass one.
    again = subprocess.run(["setsid", "-w"] + AWSMFA + ["env", "--profile", "audit", "--role-mfa", "per-role",
                                                       "--force"], env=user.environ(), capture_output=True,
                           text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert again.returncode == 2 and again.stdout == "" and "pass --token-code" in again.stderr


def exported(result):
    """{name: value} of the `export NAME=value` lines of `env --shell bash`."""
    assert result.returncode == 0, result.stderr
    return dict(line[len("export "):].split("=", 1) for line in result.stdout.splitlines() if line.startswith("export "))


def test_the_exported_margin_is_that_of_the_session_which_next_needs_a_code(world, local_aws, scenario):
    """AWSMFA_REUSE_MARGIN (where the shell's warning starts) is the reuse margin of the session
    whose end AWS_CREDENTIAL_EXPIRATION names: a tenth of a short one, else 300 s. New and
    cached (the fast path) alike."""
    home, env, clock = world
    config = home / ".aws" / "config"
    config.write_text(config.read_text().replace("[profile ops]\n", "[profile ops]\nduration_seconds = 900\n")
                      .replace("[profile audit]\n", "[profile audit]\nduration_seconds = 900\n"))
    user = AwsUser(home, endpoint_url=local_aws.endpoint_url)
    code = lambda: local_aws.fresh_code(scenario.serial_number)  # noqa: E731
    # Shared: a 1800 s MFA session outlives the 900 s role session; a code is next due at its end.
    for args in (["--duration-seconds", "1800", "--token-code", code()], []):
        ops = exported(user.awsmfa("env", "--profile", "ops", "--shell", "bash", *args))
        assert ops["AWSMFA_REUSE_MARGIN"] == "180", ops
        left = (timeutil.parse_utc(ops["AWS_CREDENTIAL_EXPIRATION"]) - timeutil.now()).total_seconds()
        assert 1700 < left <= 1800, ops
    # Per role: the 900 s role session itself.
    audit = exported(user.awsmfa("env", "--profile", "audit", "--role-mfa", "per-role", "--shell", "bash",
                                 "--token-code", code()))
    assert audit["AWSMFA_REUSE_MARGIN"] == "90", audit
    # Plain: the stored 1800 s MFA session of base, then a new one of 900 s.
    assert exported(user.awsmfa("env", "--profile", "base", "--shell", "bash"))["AWSMFA_REUSE_MARGIN"] == "180"
    short = exported(user.awsmfa("env", "--profile", "base", "--shell", "bash", "--force", "--duration-seconds", "900",
                                 "--token-code", code()))
    assert short["AWSMFA_REUSE_MARGIN"] == "90", short
    assert local_aws.codes_spent == 3


def test_a_stored_mfa_session_aws_rejects_is_named_with_the_way_out(world, local_aws, scenario):
    """[base-mfa] changed by hand (or revoked): the AssumeRole it signs is refused as
    InvalidClientTokenId. The line names that session, not the long-term key (which is fine),
    and the command it gives gets a working role session again."""
    home, env, clock = world
    user = AwsUser(home, endpoint_url=local_aws.endpoint_url)
    assert user.awsmfa("login", "--profile", "ops", "--token-code",
                       local_aws.fresh_code(scenario.serial_number)).returncode == 0
    text = user.read_credentials()
    text = re.sub(r"(\[base-mfa\][^\[]*aws_session_token = )\S+", r"\1garbage", text)
    text = re.sub(r"(\[ops-mfa\][^\[]*awsmfa_expiration = )\S+", r"\g<1>2000-01-01T00:00:00Z", text)
    user.write_credentials(text)
    refused = user.awsmfa("env", "--profile", "ops", "--shell", "bash")
    lines = refused.stderr.strip().splitlines()
    assert refused.returncode == 1 and refused.stdout == "" and len(lines) == 1, refused.stderr
    assert "the MFA session stored in [base-mfa] (InvalidClientTokenId)" in lines[0], lines
    assert "access key" not in lines[0] and "`awsmfa login --profile base --force`" in lines[0], lines
    again = user.awsmfa("login", "--profile", "base", "--force", "--token-code",
                        local_aws.fresh_code(scenario.serial_number))
    assert again.returncode == 0, again.stderr
    assert user.awsmfa("env", "--profile", "ops", "--shell", "bash").returncode == 0


def test_external_id_is_sent_and_a_role_that_refuses_says_so_in_one_line(tmp_path, local_aws):
    scenario = provision_roles(local_aws, audit_external_id="partner-42")
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    credentials, config = role_files(scenario)
    user.write_credentials(credentials)
    user.write_config(config)
    before = user.read_credentials()
    refused = user.awsmfa("login", "--profile", "audit", "--token-code", local_aws.fresh_code(scenario.serial_number))
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert f"AWS refused AssumeRole of role {scenario.audit_role_arn} (profile [audit])" in refused.stderr
    # Not "changed nothing": the MFA session the code paid for is stored, and said so.
    assert refused.stderr.rstrip().endswith("awsmfa stored the new MFA session in [base-mfa], so the next try "
                                            "asks for no code"), refused.stderr
    assert "[audit-mfa]" not in user.read_credentials()
    # The MFA session was made and kept: the retry with external_id asks for no new code.
    assert "[base-mfa]" in user.read_credentials() and user.read_credentials().startswith(before)
    user.write_config(config.replace("[profile audit]\n", "[profile audit]\nexternal_id = partner-42\n"))
    result = user.awsmfa("login", "--profile", "audit")
    assert result.returncode == 0, result.stderr
    who = user.aws("sts", "get-caller-identity", "--profile", "audit-mfa", "--query", "Arn", "--output", "text")
    assert who.returncode == 0 and role_name(who.stdout.strip()) == "audit", who.stderr


def test_a_chain_of_two_roles_across_accounts_from_one_code(world, local_aws, scenario):
    """[profile audit-via-ops]: audit assumed with the ops role session, itself assumed with the
    MFA session. The MFA context carries through the chain, as AWS carries it."""
    import json

    local_aws.client("iam").put_role_policy(
        RoleName="ops", PolicyName="may-assume-audit", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": scenario.audit_role_arn}]}))
    home, env, clock = world
    config = home / ".aws" / "config"
    config.write_text(config.read_text() + f"\n[profile audit-via-ops]\nrole_arn = {scenario.audit_role_arn}\n"
                                           "source_profile = ops\nrole_session_name = via-ops\n")
    user = AwsUser(home, endpoint_url=local_aws.endpoint_url)
    result = user.awsmfa("login", "--profile", "audit-via-ops", "--token-code",
                         local_aws.fresh_code(scenario.serial_number))
    assert result.returncode == 0, result.stderr
    for profile in ("audit-via-ops-mfa", "audit-via-ops-mfa-auto"):
        # The -auto profile's credential_process runs `awsmfa` by name: this Python's, first on PATH.
        who = user.aws("sts", "get-caller-identity", "--profile", profile, "--query", "Arn", "--output", "text",
                       env={"PATH": env["PATH"]})
        assert who.returncode == 0, who.stderr
        assert who.stdout.strip() == f"arn:aws:sts::{scenario.account_b}:assumed-role/audit/via-ops"
    assert local_aws.codes_spent == 1


def test_parallel_credential_process_renewals_all_succeed_and_leave_one_whole_session(world, local_aws, scenario):
    """Six `awsmfa env --json --profile ops` at once (Terraform's providers calling the
    credential_process) after the role's hour: each gets a valid role session without a code,
    and the credentials file holds one whole [ops-mfa] at the end."""
    import json

    home, env, clock = world
    user = AwsUser(home, endpoint_url=local_aws.endpoint_url)
    first = user.awsmfa("login", "--profile", "ops", "--token-code", local_aws.fresh_code(scenario.serial_number))
    assert first.returncode == 0, first.stderr
    clock.advance(HOUR + 60)
    shifted = user.environ(PYTHONPATH=CLOCK_SHIM, AWSMFA_TEST_CLOCK_FILE=clock.path)
    runs = [subprocess.Popen(["setsid", "-w"] + AWSMFA + ["env", "--json", "--profile", "ops"], env=shifted,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(6)]
    answers = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err for _, err in answers]
    keys = {json.loads(out)["AccessKeyId"] for out, _ in answers}
    stored = user.read_credentials()
    assert stored.count("[ops-mfa]") == 1 and any(f"aws_access_key_id = {key}" in stored for key in keys)
    assert local_aws.codes_spent == 1
    who = user.aws("sts", "get-caller-identity", "--profile", "ops-mfa", "--query", "Arn", "--output", "text",
                   env={"PYTHONPATH": CLOCK_SHIM, "AWSMFA_TEST_CLOCK_FILE": clock.path})
    assert who.returncode == 0 and role_name(who.stdout.strip()) == "ops", who.stderr


@pytest.mark.parametrize("mode", ["shared", "per-role"])
def test_parallel_callers_needing_a_code_take_turns_and_spend_one(world, local_aws, scenario, mode):
    """Three `awsmfa env --json --profile ops` at once with no session at all, all given the
    same code: the first spends it; the others wait for their turn at the prompt and then find
    the session it stored, instead of spending the code again (AWS refuses a used code)."""
    import json

    home, env, clock = world
    user = AwsUser(home, endpoint_url=local_aws.endpoint_url)
    code = local_aws.fresh_code(scenario.serial_number)
    runs = [subprocess.Popen(AWSMFA + ["env", "--json", "--profile", "ops", "--role-mfa", mode, "--token-code", code],
                             env=user.environ(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(3)]
    answers = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err for _, err in answers]
    assert len({json.loads(out)["AccessKeyId"] for out, _ in answers}) == 1
    assert local_aws.codes_spent == 1
