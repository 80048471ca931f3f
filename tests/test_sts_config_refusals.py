"""Settings the AWS SDK refuses (a region, an endpoint URL, an STS option, a profile name it
reads otherwise) are found before the MFA prompt: one line naming the setting, nothing written,
no request, and no code asked for or spent.

Each run has no terminal and no --token-code: had awsmfa got as far as the prompt, it would
fail with "no terminal to ask for the MFA code on" instead.
"""
import subprocess

import pytest

from awsenv import AWSMFA, AwsUser

SERIAL = "arn:aws:iam::123456789012:mfa/trainee"
LONG_TERM = "[default]\naws_access_key_id = AKIALONGTERM\naws_secret_access_key = longtermsecret\n"


@pytest.fixture
def user(tmp_path, local_aws):
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    user.write_credentials(LONG_TERM)
    local_aws.faults.seen = 0
    return user


# (name, config file, environment, --profile, words the one line must hold)
CASES = [
    # Without AWS_DEFAULT_REGION, which wins over the config file (botocore's order).
    ("region with a space in the config", f"[default]\nregion = us east\nmfa_serial = {SERIAL}\n",
     {"AWS_DEFAULT_REGION": None}, None, "'us east'"),
    ("region with a space in a role profile",
     f"[default]\nmfa_serial = {SERIAL}\n\n[profile ops]\nrole_arn = arn:aws:iam::111111111111:role/ops\n"
     "source_profile = default\nregion = us east\n", {"AWS_DEFAULT_REGION": None}, "ops",
     "'us east' (region of profile [ops])"),
    ("AWS_DEFAULT_REGION over a good profile region", f"[default]\nregion = eu-west-1\nmfa_serial = {SERIAL}\n",
     {"AWS_DEFAULT_REGION": "us east!"}, None, "'us east!' (AWS_DEFAULT_REGION)"),
    ("AWS_DEFAULT_REGION", f"[default]\nmfa_serial = {SERIAL}\n", {"AWS_DEFAULT_REGION": "us@east"}, None,
     "'us@east'"),
    ("bad region, device discovery", "[default]\n", {"AWS_DEFAULT_REGION": "us@east"}, None, "'us@east'"),
    ("AWS_ENDPOINT_URL not a URL", f"[default]\nmfa_serial = {SERIAL}\n", {"AWS_ENDPOINT_URL": "notaurl"}, None,
     "notaurl"),
    ("AWS_ENDPOINT_URL broken IPv6", f"[default]\nmfa_serial = {SERIAL}\n", {"AWS_ENDPOINT_URL": "http://[::1"},
     None, "http://[::1"),
    ("AWS_ENDPOINT_URL_STS not http", f"[default]\nmfa_serial = {SERIAL}\n", {"AWS_ENDPOINT_URL_STS": "ftp://x"},
     None, "ftp://x"),
    ("AWS_STS_REGIONAL_ENDPOINTS", f"[default]\nmfa_serial = {SERIAL}\n", {"AWS_STS_REGIONAL_ENDPOINTS": "bogus"},
     None, "AWS_STS_REGIONAL_ENDPOINTS"),
    ("AWS_RETRY_MODE", f"[default]\nmfa_serial = {SERIAL}\n", {"AWS_RETRY_MODE": "bogus"}, None, "bogus"),
    ("AWS_DEFAULTS_MODE", f"[default]\nmfa_serial = {SERIAL}\n", {"AWS_DEFAULTS_MODE": "bogus"}, None, "bogus"),
    # shlex cannot split this header, so botocore has no profile of that name; awsmfa's own
    # reader may or may not see it: either way one line, before the prompt.
    ("profile name the AWS SDK reads otherwise",
     f"[profile wo'rk]\naws_access_key_id = AKIAWORK\naws_secret_access_key = w\nmfa_serial = {SERIAL}\n", {},
     "wo'rk", "wo'rk"),
]


@pytest.mark.parametrize("command", ["env", "login"])
@pytest.mark.parametrize("name, config, env, profile, words", CASES, ids=[case[0] for case in CASES])
def test_a_setting_the_sdk_refuses_is_one_line_before_the_prompt(user, local_aws, command, name, config, env,
                                                                  profile, words):
    user.write_config(config)
    before = (user.read_credentials(), open(user.config).read())
    argv = AWSMFA + [command] + (["--profile", profile] if profile else [])
    result = subprocess.run(["setsid", "--wait"] + argv, env=user.environ(**env), capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=60)
    lines = result.stderr.strip().splitlines()
    assert result.returncode in (1, 2) and result.stdout == "", result.stderr
    assert len(lines) == 1 and lines[0].startswith("awsmfa: error: "), result.stderr
    assert "no terminal" not in lines[0] and words in lines[0], lines[0]
    assert (user.read_credentials(), open(user.config).read()) == before
    assert local_aws.requests_seen == 0


@pytest.mark.parametrize("env, region", [({"AWS_DEFAULT_REGION": "eu-west-1"}, "eu-west-1"),
                                         ({"AWS_DEFAULT_REGION": None}, "us-east-1")])
def test_aws_default_region_wins_over_the_profiles_region_as_in_botocore(user, env, region):
    """botocore (so the AWS CLI) takes AWS_DEFAULT_REGION before a profile's region; so does the
    STS client awsmfa builds (seen in --debug before the prompt, which has no terminal here)."""
    user.write_config(f"[default]\nregion = us-east-1\nmfa_serial = {SERIAL}\n")
    result = subprocess.run(["setsid", "--wait"] + AWSMFA + ["--debug", "env"], env=user.environ(**env),
                            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    used = [line for line in result.stderr.splitlines() if "STS endpoint:" in line]
    assert len(used) == 1 and used[0].endswith(f"(region {region})"), result.stderr
