"""Role profiles through the command line, where no AWS call is needed or allowed.

The endpoint is a closed port: a test that passes here made no network call. Covered: hostile
and broken role profiles refused in one line with nothing written and no code asked (run with
no terminal: a refusal that came after the prompt would instead say there is no terminal); the
cached role session answered on the fast path (no botocore), as shell code that exports only
AWS_PROFILE for the self-renewing profile, and as credential_process JSON; AWS_PROFILE left by
`mfa` leading back to the role; a changed role_arn never served an old session.
"""
import collections
import json
import subprocess

import pytest

from awsenv import (AWSMFA, BASE, MFA_KEYS, OPS_ARN, ROLE_KEYS, SERIAL, offline_user, renewing_profile,
                    role_chain_of_n, stored_role_session, stored_session)
from awsshell_setup.core import timeutil

FIGURES = collections.Counter()  # printed by conftest.pytest_terminal_summary

CONFIG = (f"[profile base]\nregion = eu-west-1\nmfa_serial = {SERIAL}\n\n"
          f"[profile ops]\nrole_arn = {OPS_ARN}\nsource_profile = base\nmfa_serial = {SERIAL}\nregion = eu-west-1\n")
RENEWING = renewing_profile("ops-mfa-auto", "ops")


def mfa_session(expires_in=6 * 3600):
    return stored_session("base-mfa", "base", expires_in, keys=MFA_KEYS)


def role_session(expires_in=1800, arn=OPS_ARN, name="ops-mfa", role="ops"):
    return stored_role_session(name, role, arn, mfa_profile="base-mfa", expires_in=expires_in)


@pytest.fixture
def user(tmp_path):
    return offline_user(tmp_path / "home", BASE, CONFIG)


def files_of(user):
    with open(user.config) as handle:
        return user.read_credentials(), handle.read()


def no_terminal(user, *args, env=None):
    """awsmfa with no controlling terminal and stdin at /dev/null: any prompt would fail."""
    return subprocess.run(["setsid", "-w"] + AWSMFA + list(args), env=user.environ(**(env or {})),
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)


HOSTILE = {
    "source_profile loop": ("\n[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = b\n"
                            "\n[profile b]\nrole_arn = arn:aws:iam::111111111111:role/b\nsource_profile = a\n",
                            ["--profile", "a"], "source_profile loop"),
    "missing source": ("\n[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = gone\n",
                       ["--profile", "a"], "source_profile [gone]"),
    "chain of 20": (role_chain_of_n(20), ["--profile", "r0"], "chains more than 10 roles"),
    "role_arn with shell metacharacters": (
        "\n[profile a]\nrole_arn = arn:aws:iam::111111111111:role/$(touch pwned)\nsource_profile = base\n",
        ["--profile", "a"], "is not an IAM role ARN"),
    "credential_source": ("\n[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\n"
                          "credential_source = Ec2InstanceMetadata\n", ["--profile", "a"], "credential_source"),
    "web_identity_token_file": ("\n[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\n"
                                "web_identity_token_file = /run/token\n", ["--profile", "a"], "web_identity_token_file"),
    "role profile as --update-profile": ("", ["--profile", "base", "--update-profile", "ops"],
                                         "gets its credentials from role_arn, source_profile"),
    "role profile as its own --update-profile": ("", ["--profile", "ops", "--update-profile", "ops"],
                                                 "--update-profile ops is the role profile itself"),
    "the self-renewing profile as --profile": (RENEWING, ["--profile", "ops-mfa-auto"],
                                               "is the self-renewing profile awsmfa wrote for [ops]; pass --profile ops"),
    "role name a credential_process must quote": (
        '\n[profile "my ops"]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = base\n',
        ["--profile", "my ops"], "would have to quote"),
}


@pytest.mark.parametrize("command", ["env", "login"])
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_role_profiles_are_refused_before_the_prompt_with_nothing_written(user, tmp_path, case, command):
    extra, args, words = HOSTILE[case]
    user.write_config(CONFIG + extra)
    before = files_of(user)
    result = no_terminal(user, command, *args, env={"PWD": str(tmp_path)})
    assert result.returncode in (1, 2) and result.stdout == ""
    assert words in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "terminal" not in result.stderr, result.stderr
    assert files_of(user) == before
    assert not (tmp_path / "pwned").exists()
    FIGURES["hostile role profiles refused before the prompt (env, login)"] += 1


def test_the_cached_role_session_exports_only_the_renewing_profile(user):
    user.write_credentials(BASE + mfa_session(6 * 3600) + role_session(1800))
    user.write_config(CONFIG + RENEWING)
    before = files_of(user)
    result = user.awsmfa("env", "--profile", "ops", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN"
    assert "export AWS_PROFILE=ops-mfa-auto" in lines
    assert not [line for line in lines if "rolesecret" in line or "mfasecret" in line]
    # AWS_CREDENTIAL_EXPIRATION: when this shell next needs a code (the MFA session's end).
    expiry = [line.split("=", 1)[1] for line in lines if line.startswith("export AWS_CREDENTIAL_EXPIRATION=")]
    assert len(expiry) == 1 and 5 * 3600 < (timeutil.parse_utc(expiry[0]) - timeutil.now()).total_seconds() <= 6 * 3600
    assert lines[-1] == "export AWSMFA_REUSE_MARGIN=300"  # the 12 h MFA session's: 5 minutes
    assert "role [ops]" in result.stderr and "ops-mfa-auto" in result.stderr
    assert files_of(user) == before


@pytest.mark.parametrize("shell, argv", [("bash", ["bash", "-c"]), ("zsh", ["zsh", "-f", "-c"]),
                                         ("fish", ["fish", "--no-config", "-c"]), ("sh", ["sh", "-c"])])
def test_a_role_replaces_keys_an_earlier_mfa_exported(user, shell, argv):
    user.write_credentials(BASE + mfa_session(6 * 3600) + role_session(1800))
    user.write_config(CONFIG + RENEWING)
    code = user.awsmfa("env", "--profile", "ops", "--shell", shell).stdout
    if shell == "fish":
        earlier = "set -gx AWS_ACCESS_KEY_ID OLD; set -gx AWS_SESSION_TOKEN OLD; "
        show = "; printf '%s|' $AWS_PROFILE \"$AWS_ACCESS_KEY_ID\" \"$AWS_SESSION_TOKEN\"; echo status=$status"
    else:
        earlier = "export AWS_ACCESS_KEY_ID=OLD AWS_SESSION_TOKEN=OLD\n"
        show = "\nprintf '%s|' \"$AWS_PROFILE\" \"${AWS_ACCESS_KEY_ID-}\" \"${AWS_SESSION_TOKEN-}\"; echo status=$?"
    result = subprocess.run(argv + [earlier + code + show], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == "ops-mfa-auto|||status=0", (result.stdout, result.stderr)


def test_the_cached_role_session_is_credential_process_json_without_botocore(user):
    user.write_credentials(BASE + mfa_session(6 * 3600) + role_session(1800))
    result = subprocess.run(AWSMFA[:1] + ["-X", "importtime"] + AWSMFA[1:] + ["env", "--json", "--profile", "ops"],
                            env=user.environ(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert (data["AccessKeyId"], data["SessionToken"]) == ("ASIAROLE", "roletoken")
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "awsshell_setup.sessions.roleprofiles" in imported
    assert not {name for name in imported if name.split(".")[0] in ("botocore", "boto3", "click")}


def test_the_cached_role_shell_code_imports_only_what_it_needs(user):
    from test_env_offline import modules_added

    user.write_credentials(BASE + mfa_session(6 * 3600) + role_session(1800))
    user.write_config(CONFIG + RENEWING)
    heavy = {"configparser", "logging", "dataclasses", "inspect", "subprocess", "json", "re", "shlex",
             "contextlib", "tempfile", "shellingham", "click", "botocore"}
    result, added = modules_added(user, "env", "--profile", "ops", "--shell", "bash")
    assert result.returncode == 0 and "export AWS_PROFILE=ops-mfa-auto" in result.stdout
    assert "awsshell_setup.sessions.assumerole" in added and not added & heavy


def test_a_missing_renewing_profile_sends_shell_code_to_the_full_path_which_writes_it(user):
    user.write_credentials(BASE + mfa_session(6 * 3600) + role_session(1800))
    before = user.read_credentials()
    result = user.awsmfa("env", "--profile", "ops", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    assert "export AWS_PROFILE=ops-mfa-auto" in result.stdout
    assert files_of(user) == (before, CONFIG + RENEWING)  # the role session reused: no call, no write there


@pytest.mark.parametrize("ambient", ["ops-mfa-auto", "ops-mfa"])
def test_aws_profile_left_by_mfa_leads_back_to_the_role(user, ambient):
    user.write_credentials(BASE + mfa_session(6 * 3600) + role_session(1800))
    user.write_config(CONFIG + RENEWING)
    result = user.awsmfa("env", "--shell", "bash", env={"AWS_PROFILE": ambient})
    assert result.returncode == 0, result.stderr
    assert "export AWS_PROFILE=ops-mfa-auto" in result.stdout


def test_a_session_for_another_role_arn_is_not_served(user):
    # The profile now names another role: the stored session is for the old one. Renewing
    # needs AWS (closed here), so the run fails, having served nothing.
    user.write_credentials(BASE + mfa_session(6 * 3600) + role_session(1800, arn="arn:aws:iam::111111111111:role/old"))
    result = user.awsmfa("env", "--json", "--profile", "ops")
    assert result.returncode != 0 and result.stdout == "" and "cannot reach" in result.stderr


def test_a_plain_session_is_not_served_for_a_role_nor_a_role_session_for_a_plain_profile(user):
    # [ops-mfa] written when ops held keys, ops now a role: renewed, not served.
    plain = stored_session("ops-mfa", "ops", 1800, duration=3600, keys=ROLE_KEYS)  # no role marks
    user.write_credentials(BASE + mfa_session(6 * 3600) + plain)
    assert "cannot reach" in user.awsmfa("env", "--json", "--profile", "ops").stderr
    # [base-mfa] holding a role session for base: plain env for base must not serve it.
    user.write_credentials(BASE + role_session(1800, name="base-mfa", role="base"))
    assert "cannot reach" in user.awsmfa("env", "--json", "--profile", "base", "--token-code", "123456").stderr


def test_an_expired_role_session_is_renewed_from_the_mfa_session_with_no_prompt(user):
    # The role session is over, the MFA session is valid: the renewal asks for no code; it needs
    # AWS (AssumeRole), closed here, so the error is about reaching it, not about a terminal.
    user.write_credentials(BASE + mfa_session(6 * 3600) + role_session(-60))
    result = no_terminal(user, "env", "--json", "--profile", "ops")
    assert result.returncode == 1 and "cannot reach" in result.stderr and "terminal" not in result.stderr


def test_status_lists_role_sessions_and_their_time_left(user):
    user.write_credentials(BASE + mfa_session(6 * 3600) + role_session(1800))
    user.write_config(CONFIG + RENEWING)
    result = user.awsmfa("status", "--profile", "ops")
    assert "role session: [ops-mfa]" in result.stdout and OPS_ARN in result.stdout, result.stdout
    assert "renewed without a code from [base-mfa]" in result.stdout, result.stdout
    shell = user.awsmfa("status", env={"AWS_PROFILE": "ops-mfa-auto", "AWS_CREDENTIAL_EXPIRATION": "2026-11-30T03:00:00Z"})
    assert "this shell: AWS_PROFILE=ops-mfa-auto, renewed by awsmfa for [ops]; a code is next due at " \
           "2026-11-30T03:00:00Z" in shell.stdout, shell.stdout
    assert "role session: [ops-mfa]" in shell.stdout  # AWS_PROFILE leads status to the role too


def test_logout_removes_the_role_session_and_the_renewing_profile_only(user):
    kept = BASE + mfa_session(6 * 3600)
    user.write_credentials(kept + role_session(1800))
    user.write_config(CONFIG + RENEWING)
    result = user.awsmfa("logout", "--profile", "ops")
    assert result.returncode == 0, result.stderr
    assert files_of(user) == (kept, CONFIG)  # byte for byte; the shared MFA session stays


@pytest.mark.parametrize("folder_mode", [0o555, 0o755], ids=["read-only folder", "read-only file only"])
def test_a_read_only_config_file_gets_the_role_session_keys_and_a_warning(user, tmp_path, folder_mode):
    """A config file that cannot take the self-renewing profile (read-only, as a dotfile
    manager may make it): the role session is served all the same, as keys, with one warning.
    Also when only the file is read-only: replacing it through its writable folder would
    undo what its owner chose."""
    from test_credentials_hostile import unprivileged  # root without CAP_DAC_OVERRIDE: permission bits bind

    user.write_credentials(BASE + mfa_session(6 * 3600) + role_session(1800))
    folder = tmp_path / "dotfiles"
    folder.mkdir()
    config = folder / "config"
    config.write_text(CONFIG)
    config.chmod(0o444)
    folder.chmod(folder_mode)
    try:
        result = subprocess.run(unprivileged(AWSMFA + ["env", "--profile", "ops", "--shell", "bash"]),
                                env=user.environ(AWS_CONFIG_FILE=str(config)), capture_output=True, text=True,
                                timeout=60, stdin=subprocess.DEVNULL)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert "export AWS_SESSION_TOKEN=roletoken" in result.stdout and "export AWS_PROFILE=ops-mfa\n" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "cannot write [profile ops-mfa-auto]" in warnings[0], result.stderr
    assert config.read_text() == CONFIG


def test_json_with_no_terminal_serves_the_role_session_while_it_lasts_after_the_mfa_session_ended(user):
    """The MFA session is over and the role session has 10 minutes left: `env --json` (the
    self-renewing profile's command, run by a script with no terminal) would renew it early for
    botocore, which needs a code; with none to be had it serves the role session, without a call."""
    user.write_credentials(BASE + mfa_session(-60) + role_session(10 * 60))
    user.write_config(CONFIG + RENEWING)
    before = files_of(user)
    result = no_terminal(user, "env", "--json", "--profile", "ops")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"] == ROLE_KEYS[0]
    assert files_of(user) == before
