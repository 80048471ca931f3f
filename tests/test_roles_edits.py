"""Edits to a role profile take effect at the next run (issue "edits take effect";
resolve.Plan.made_from): the stored role session records what it was made from, a
different plan gets a new role session, with no code while the MFA session lives. The real
AWS CLI v1 is the client, through the self-renewing profile, against the local AWS.
"""
import subprocess

from awsenv import AWSMFA
from localaws_fixtures import roles_home
from awsshell_setup.localaws import provision_roles


def _edit(user, old, new):
    with open(user.config) as handle:
        text = handle.read()
    assert text.count(old) == 1
    with open(user.config, "w") as handle:
        handle.write(text.replace(old, new))


def _who(user, profile):
    result = user.aws("sts", "get-caller-identity", "--profile", profile, "--query", "Arn", "--output", "text")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_new_role_session_name_is_used_at_the_next_call_without_a_code(local_aws, tmp_path):
    scenario = provision_roles(local_aws)
    user = roles_home(tmp_path / "home", local_aws, scenario)
    first = user.awsmfa("login", "--profile", "ops", "--token-code", local_aws.fresh_code(scenario.serial_number))
    assert first.returncode == 0, first.stderr
    before = _who(user, "ops-mfa-auto")
    assert ":assumed-role/ops/" in before and not before.endswith("/edited-name")
    _edit(user, "source_profile = base\n", "source_profile = base\nrole_session_name = edited-name\n")
    # No terminal and no code: only the still-valid MFA session can pay for the new role session.
    after = _who(user, "ops-mfa-auto")
    assert after.endswith(":assumed-role/ops/edited-name"), after
    # ...and it is stored: the next call reuses it.
    assert _who(user, "ops-mfa") == after


def test_a_new_role_arn_is_used_at_once_by_env(local_aws, tmp_path):
    """role_arn changed from ops to audit (another account): the old session is not served for
    the hour it has left."""
    scenario = provision_roles(local_aws)
    user = roles_home(tmp_path / "home", local_aws, scenario)
    first = user.awsmfa("env", "--profile", "ops", "--token-code", local_aws.fresh_code(scenario.serial_number))
    assert first.returncode == 0, first.stderr
    _edit(user, scenario.ops_role_arn, scenario.audit_role_arn)
    result = subprocess.run(AWSMFA + ["env", "--json", "--profile", "ops"], env=user.environ(),
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert _who(user, "ops-mfa").split(":")[4] == scenario.audit_role_arn.split(":")[4]
