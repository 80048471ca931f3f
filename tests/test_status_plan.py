"""`awsmfa status` reads sessions as `env` does (docs/ARCHITECTURE.md §3, §7): the request
resolved by resolve.plan, each stored session judged by rules.StoredSession. So
status calls valid exactly what the next `mfa` would reuse: not a role session made for a role
profile since edited, and a role that is its own source renews from [SOURCE-keys-mfa]. Its
"this shell" line says what the AWS CLI v1 and boto3 started here sign with, read as botocore
reads it, checked against the real `aws configure list`.

The endpoint is a closed port: nothing here reaches AWS (env's refusal to serve is "cannot
reach AWS": it went on to make a new session).
"""
import re
import subprocess

import pytest

from awsenv import (AWSMFA, BASE, MFA_KEYS, OPS_ARN, offline_user, renewing_profile, stored_role_session,
                    stored_session)
from awsshell_setup.sessions import mfasession, profiles, resolve

CONFIG = ("[profile base]\nregion = eu-west-1\n\n"
          f"[profile ops]\nrole_arn = {OPS_ARN}\nsource_profile = base\nregion = eu-west-1\n")


@pytest.fixture
def user(tmp_path):
    return offline_user(tmp_path / "home", BASE, CONFIG)


def mark_of(user, profile):
    """The awsmfa_made_from mark `env` would store for `profile` with the user's files now."""
    files = profiles.AwsFiles(user.environ())
    return resolve.plan(files, mfasession.Request(profile=profile)).made_from()


def line_of(text, start):
    found = [line for line in text.splitlines() if line.startswith(start)]
    assert len(found) == 1, text
    return found[0]


def no_terminal(user, *args):
    return subprocess.run(["setsid", "-w"] + AWSMFA + list(args), env=user.environ(), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=60)


def test_a_role_session_made_for_an_edited_role_profile_is_not_called_valid(user):
    mark = mark_of(user, "ops")
    role = stored_role_session("ops-mfa", "ops", expires_in=1800, extra=f"{profiles.MADE_FROM_KEY} = {mark}\n")
    user.write_credentials(BASE + stored_session("base-mfa", "base", 6 * 3600, keys=MFA_KEYS) + role)
    user.write_config(CONFIG + renewing_profile("ops-mfa-auto", "ops"))
    before = user.awsmfa("status", "--profile", "ops").stdout
    assert re.search(r"^role session: \[ops-mfa\] of ~/.aws/credentials, role \[ops\] .* left\)$", before, re.M), before
    assert user.awsmfa("env", "--json", "--profile", "ops").returncode == 0  # env serves it too
    # An edit env counts (a new role_session_name): env makes a new role session...
    user.write_config(CONFIG.replace("source_profile = base\n", "source_profile = base\nrole_session_name = edited\n")
                      + renewing_profile("ops-mfa-auto", "ops"))
    served = no_terminal(user, "env", "--json", "--profile", "ops")
    assert served.returncode != 0 and "cannot reach" in served.stderr, served.stderr
    # ...so status does not call the stored one valid, and says what the next mfa does.
    after = user.awsmfa("status", "--profile", "ops").stdout
    line = line_of(after, "role session: [ops-mfa]")
    assert "was made before [ops] was last edited" in line and "left" not in line, line
    assert "the next `mfa --profile ops` or `awsmfa login --profile ops` makes a new one" in line, line
    assert "renewed without a code from [base-mfa]" in after, after  # and no code for that


def test_a_role_that_is_its_own_source_renews_from_its_keys_mfa_session(user):
    arn = "arn:aws:iam::111111111111:role/self"
    user.write_config("[profile me]\nregion = eu-west-1\n"
                      f"role_arn = {arn}\nsource_profile = me\n")
    keys = "[me]\naws_access_key_id = AKIAMEKEYS\naws_secret_access_key = mesecret\n"
    mfa = stored_session("me-keys-mfa", "me", 6 * 3600, keys=MFA_KEYS)
    role = stored_role_session("me-mfa", "me", arn=arn, mfa_profile="me-keys-mfa", expires_in=1800)
    user.write_credentials(keys + mfa + role)
    assert resolve.plan(profiles.AwsFiles(user.environ()), mfasession.Request(profile="me")).mfa_name \
        == "me-keys-mfa"  # where env keeps it
    result = user.awsmfa("status", "--profile", "me")
    assert "role session: [me-mfa] of ~/.aws/credentials, role [me]" in result.stdout, result.stdout
    assert re.search(r"^  renewed without a code from \[me-keys-mfa\] until .+ \(5h 5\dm left\)$", result.stdout,
                     re.M), result.stdout
    # env agrees: with the role session gone, a new one is made from that MFA session with no
    # code (no terminal here, so a code would be refused as such; the closed port is reached).
    user.write_credentials(keys + mfa)
    made = no_terminal(user, "env", "--json", "--profile", "me")
    assert "cannot reach" in made.stderr and "terminal" not in made.stderr, made.stderr


def configure_list_key(user, env):
    """The last four characters of the access key the real AWS CLI v1 uses in `env`."""
    result = user.aws("configure", "list", env=env)
    assert result.returncode == 0, result.stderr
    return re.search(r"^\s*access_key\s+\*+(\w{4})\s", result.stdout, re.M).group(1)


@pytest.mark.parametrize("left_over", ["mfa", "ops-mfa-auto"])
def test_this_shell_says_what_the_aws_cli_v1_uses_when_aws_default_profile_is_left(user, left_over):
    """AWS_DEFAULT_PROFILE left in the shell beats AWS_PROFILE for botocore: the CLI v1 signs
    with [base]'s long-term keys, whatever session AWS_PROFILE names."""
    user.write_credentials(BASE + stored_session("base-mfa", "base", 6 * 3600, keys=MFA_KEYS)
                           + stored_session("mfa", "base", 6 * 3600) + stored_role_session("ops-mfa", "ops"))
    user.write_config(CONFIG + renewing_profile("ops-mfa-auto", "ops"))
    env = {"AWS_DEFAULT_PROFILE": "base", "AWS_PROFILE": left_over}
    assert configure_list_key(user, env) == "BASE"  # AKIABASE: the long-term key, no MFA
    line = line_of(user.awsmfa("status", env=env).stdout, "this shell:")
    assert line.startswith(f"this shell: AWS_DEFAULT_PROFILE=base wins over AWS_PROFILE={left_over} for the "
                           "AWS CLI v1 and boto3 (`unset AWS_DEFAULT_PROFILE`; `mfa` removes it)"), line
    assert line.endswith(": profile [base] itself, its long-term keys without MFA (`mfa` exports a session)"), line
    # Once it is gone, AWS_PROFILE leads: the CLI v1 and status name the same profile.
    alone = {"AWS_DEFAULT_PROFILE": None, "AWS_PROFILE": left_over}
    if left_over == "mfa":
        assert configure_list_key(user, alone) == "CHED"  # ASIACACHED, the session's key
        assert line_of(user.awsmfa("status", env=alone).stdout, "this shell:") == \
            "this shell: AWS_PROFILE=mfa: awsmfa's session from [base]"
    else:
        assert line_of(user.awsmfa("status", env=alone).stdout, "this shell:") == \
            "this shell: AWS_PROFILE=ops-mfa-auto, renewed by awsmfa for [ops]"


def test_exported_keys_come_before_any_profile(user):
    env = {"AWS_PROFILE": "base", "AWS_ACCESS_KEY_ID": "AKIAEXPORTEDWXYZ", "AWS_SECRET_ACCESS_KEY": "secret"}
    assert configure_list_key(user, env) == "WXYZ"
    line = line_of(user.awsmfa("status", env=env).stdout, "this shell:")
    assert line == ("this shell: long-term keys exported (AKIA…WXYZ): the AWS CLI and boto3 use them, without MFA, "
                    "before any profile (`mfa` replaces them)"), line
    assert "secret" not in user.awsmfa("status", env=env).stdout


def test_status_without_keys_imports_no_botocore(user):
    user.write_credentials(BASE + stored_session("base-mfa", "base", 6 * 3600, keys=MFA_KEYS))
    result = subprocess.run(AWSMFA[:1] + ["-X", "importtime"] + AWSMFA[1:] + ["status", "--profile", "base"],
                            env=user.environ(), capture_output=True, text=True, timeout=60)
    assert "session: [base-mfa]" in result.stdout, result.stdout + result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "awsshell_setup.setup.status" in imported
    assert not {name for name in imported if name.split(".")[0] in ("botocore", "boto3")}


def test_a_session_inside_its_reuse_margin_is_said_to_be_renewed_by_the_next_mfa(user):
    """200 s left of a 12 h session: under the 5-minute reuse margin, env makes a new one (here
    it goes to AWS, closed, for the device), and status says so rather than only "left"."""
    user.write_credentials(BASE + stored_session("base-mfa", "base", 200))
    renewed = no_terminal(user, "env", "--json", "--profile", "base")
    assert renewed.returncode != 0 and renewed.stdout == "" and "cannot reach" in renewed.stderr, renewed.stderr
    line = line_of(user.awsmfa("status", "--profile", "base").stdout, "session: ")
    assert re.fullmatch(r"session: \[base-mfa\] of ~/.aws/credentials, from \[base\], until .+ \(3m \d+s left; "
                        r"the next `mfa` renews it\)", line), line
    user.write_credentials(BASE + stored_session("base-mfa", "base", 3600))
    line = line_of(user.awsmfa("status", "--profile", "base").stdout, "session: ")
    assert line.endswith("left)") and "renews" not in line, line


def test_other_role_sessions_reach_the_terminal_escaped(user):
    """Names and values of the credentials file pass paths.printable: an escape sequence in a
    section name, its role profile or role ARN cannot clear or retitle the terminal."""
    user.write_credentials(BASE + stored_role_session("evil\x1b[2J", "ro\x1b]0;t\x07le",
                                                      arn="arn:aws:iam::111111111111:role/x\x1b[31m"))
    out = user.awsmfa("status", "--profile", "base").stdout
    assert "\x1b" not in out and "\x07" not in out, repr(out)
    assert r"role session: [evil\x1b[2J] of ~/.aws/credentials, role [ro\x1b]0;t\x07le] " \
           r"(arn:aws:iam::111111111111:role/x\x1b[31m), until " in out, out
