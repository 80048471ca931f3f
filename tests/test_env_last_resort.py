"""`awsmfa env --json` as a credential_process with no terminal and no token command, at the end
of the MFA session (rules.without_sdk_margin): the stored role session is served to its
true end, and without an Expiration, so botocore holds the keys instead of running the process
before every call inside its 15-minute refresh window (20 calls, 1 run, not 20). Real boto3 in
one process (as Terraform or a Python program keeps one), under setsid (no terminal), against
the local AWS.
"""
import os
import re
import subprocess
import sys

from awsenv import stamp
from awsmfarun import AWSMFA
from localaws_fixtures import roles_home
from awsshell_setup.localaws import provision_roles

CALLS = 20
SDK_CALLS = f"""
import boto3
client = boto3.Session(profile_name="counted").client("sts")
arns = {{client.get_caller_identity()["Arn"] for _ in range({CALLS})}}
print(len(arns), *arns)
"""


def _ending(user, section, seconds):
    """Make the stored session [section] end `seconds` from now, as far as awsmfa can tell
    (the keys themselves stay good at the local AWS: what is tested is awsmfa's choice)."""
    with open(user.credentials) as handle:
        text = handle.read()
    start = text.index(f"[{section}]")
    end = text.find("\n[", start + 1)
    end = len(text) if end < 0 else end
    body = re.sub(r"(?m)^(awsmfa_expiration|expiration) = .*$", lambda m: f"{m.group(1)} = {stamp(seconds)}",
                  text[start:end])
    with open(user.credentials, "w") as handle:
        handle.write(text[:start] + body + text[end:])


def _setup(local_aws, tmp_path):
    scenario = provision_roles(local_aws)
    user = roles_home(tmp_path / "home", local_aws, scenario)
    login = user.awsmfa("login", "--profile", "ops", "--token-code", local_aws.fresh_code(scenario.serial_number))
    assert login.returncode == 0, login.stderr
    runs = tmp_path / "runs"
    wrapper = tmp_path / "awsmfa-process"
    wrapper.write_text(f"#!/bin/sh\necho run >> {runs}\nexec {' '.join(AWSMFA)} env --json --profile ops\n")
    os.chmod(wrapper, 0o755)
    with open(user.config, "a") as handle:
        handle.write(f"\n[profile counted]\ncredential_process = {wrapper}\nregion = us-east-1\n")
    return user, runs


def _sdk(user):
    return subprocess.run(["setsid", "-w", sys.executable, "-c", SDK_CALLS], env=user.environ(),
                          capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)


def test_twenty_calls_one_run_when_the_mfa_session_ends_and_no_code_can_be_had(local_aws, tmp_path):
    user, runs = _setup(local_aws, tmp_path)
    _ending(user, "base-mfa", 120)   # the MFA session: inside its margin, a renewal needs a code
    _ending(user, "ops-mfa", 600)    # the role session: inside botocore's 15-minute window
    result = _sdk(user)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "1" and ":assumed-role/ops/" in result.stdout
    assert runs.read_text().count("run") == 1, runs.read_text()


def test_the_role_session_is_served_to_its_true_end(local_aws, tmp_path):
    """Under awsmfa's own 5-minute margin, with no terminal: still served, not refused."""
    user, runs = _setup(local_aws, tmp_path)
    _ending(user, "base-mfa", 60)
    _ending(user, "ops-mfa", 90)
    result = _sdk(user)
    assert result.returncode == 0, result.stderr
    assert runs.read_text().count("run") == 1, runs.read_text()
    # ...and an ended one is not: the SDK is told, with no keys.
    _ending(user, "ops-mfa", -5)
    _ending(user, "base-mfa", -5)
    over = subprocess.run(["setsid", "-w"] + AWSMFA + ["env", "--json", "--profile", "ops"], env=user.environ(),
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert over.returncode != 0 and over.stdout == "", over.stdout
