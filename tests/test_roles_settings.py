"""The role profile's own settings (docs/roles.md, "settings"): the self-renewing
`[profile ops-mfa-auto]` carries every setting of `[profile ops]` that is not about credentials
(output, endpoint_url, ...), and awsmfa's own AssumeRole uses the role profile's endpoint as
botocore's AssumeRoleProvider does (not the source's). The real AWS CLI v1 is the client,
against the local AWS; no AWS_ENDPOINT_URL: only the role profile names the local AWS.
"""
from localaws_fixtures import roles_home
from awsshell_setup.localaws import provision_roles

# Fail fast where the source's endpoint (the real AWS) would be tried.
FAST = {"AWSMFA_CONNECT_TIMEOUT": "1", "AWSMFA_READ_TIMEOUT": "1", "AWSMFA_DEADLINE": "2",
        "AWS_MAX_ATTEMPTS": "1", "AWS_CONNECT_TIMEOUT": "1"}


def _user(local_aws, tmp_path, extra):
    scenario = provision_roles(local_aws)
    user = roles_home(tmp_path / "home", local_aws, scenario)
    user.endpoint_url = None  # the environment names no endpoint: the profiles do
    with open(user.config, "a") as handle:
        handle.write(f"endpoint_url = {local_aws.endpoint_url}\n{extra}")  # [profile ops] is last
    return scenario, user


def test_the_role_profiles_endpoint_and_output_reach_the_self_renewing_profile(local_aws, tmp_path):
    scenario, user = _user(local_aws, tmp_path, "output = table\nawsmfa_role_mfa = per-role\n")
    login = user.awsmfa("login", "--profile", "ops", "--token-code", local_aws.fresh_code(scenario.serial_number),
                        env=FAST)
    assert login.returncode == 0, login.stderr  # AssumeRole went to the role profile's endpoint
    who = user.aws("sts", "get-caller-identity", "--profile", "ops-mfa-auto", env=FAST)
    assert who.returncode == 0, who.stderr  # the CLI's own STS call: the carried endpoint_url
    assert ":assumed-role/ops/" in who.stdout and "|" in who.stdout and "---" in who.stdout, who.stdout  # table
    # The role session's EC2 calls also reach the endpoint through the carried setting.
    ec2 = user.aws("ec2", "describe-instances", "--profile", "ops-mfa-auto", "--output", "text", env=FAST)
    assert ec2.returncode == 0 and scenario.ops_instance_id in ec2.stdout, ec2.stderr


def test_a_setting_removed_from_the_role_profile_leaves_the_self_renewing_one(local_aws, tmp_path):
    scenario, user = _user(local_aws, tmp_path, "output = table\ncli_pager = \nretry_mode = standard\nawsmfa_role_mfa = per-role\n")
    assert user.awsmfa("login", "--profile", "ops", "--token-code", local_aws.fresh_code(scenario.serial_number),
                       env=FAST).returncode == 0
    with open(user.config) as handle:
        text = handle.read()
    auto = text[text.index("[profile ops-mfa-auto]"):]
    assert "output = table" in auto and "retry_mode = standard" in auto
    with open(user.config, "w") as handle:
        handle.write(text.replace("output = table\n", "", 1))
    again = user.awsmfa("login", "--profile", "ops", env=FAST)
    assert again.returncode == 0, again.stderr  # no code: the role session is reused, its profile rewritten
    with open(user.config) as handle:
        text = handle.read()
    assert "output = table" not in text and "retry_mode = standard" in text[text.index("[profile ops-mfa-auto]"):]
