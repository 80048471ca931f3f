"""`resolve.plan(files, request)`, the one resolution of a request, and
`rules.StoredSession`, the one "still good?" (docs/ARCHITECTURE.md §3). Direct unit
tests: files on disk, no local AWS, no process.
"""
import datetime as dt

import pytest

from awsenv import BASE, LONG_TERM, OPS_ARN, stored_role_session, stored_session
from awsshell_setup.core import timeutil
from awsshell_setup.core.errors import ProfileNotFound, ProfileProblem
from awsshell_setup.sessions.profiles import AwsFiles, Credentials
from awsshell_setup.sessions.roleprofiles import ROLE_MFA_PER_ROLE, ROLE_MFA_SHARED
from awsshell_setup.sessions.mfasession import Request
from awsshell_setup.sessions.resolve import plan
from awsshell_setup.sessions.rules import SDK_REFRESH_MARGIN_SECONDS, StoredSession

CONFIG = (f"[profile base]\nregion = eu-west-1\n\n[profile ops]\nrole_arn = {OPS_ARN}\nsource_profile = base\n"
          "\n[profile jump]\nrole_arn = arn:aws:iam::222222222222:role/jump\nsource_profile = ops\n"
          "external_id = ext-1\nawsmfa_role_mfa = per-role\n")


def files_with(tmp_path, credentials=LONG_TERM + BASE, config=CONFIG, **environ):
    aws = tmp_path / ".aws"
    aws.mkdir(exist_ok=True)
    (aws / "credentials").write_text(credentials)
    (aws / "config").write_text(config)
    return AwsFiles(dict(environ, HOME=str(tmp_path)))


def test_a_plain_profile_is_a_chain_of_zero_hops(tmp_path):
    p = plan(files_with(tmp_path), Request())
    assert (p.profile, p.how, p.source, p.hops, p.is_role, p.mode) == ("default", "default", "default", (), False, None)
    assert p.session_name == p.mfa_name == "mfa" and p.renewing_name is None and p.made_from() is None


def test_a_role_names_its_session_its_mfa_session_and_its_self_renewing_profile(tmp_path):
    p = plan(files_with(tmp_path), Request(profile="ops"))
    assert (p.profile, p.how, p.source, p.mode) == ("ops", "--profile", "base", ROLE_MFA_SHARED)
    assert [hop.role_arn for hop in p.hops] == [OPS_ARN]
    assert (p.session_name, p.mfa_name, p.renewing_name) == ("ops-mfa", "base-mfa", "ops-mfa-auto")


def test_a_chain_keeps_its_hops_bottom_first_and_its_profile_mode(tmp_path):
    p = plan(files_with(tmp_path), Request(profile="jump"))
    assert [hop.profile for hop in p.hops] == ["ops", "jump"] and p.source == "base"
    assert p.mode == ROLE_MFA_PER_ROLE
    assert plan(files_with(tmp_path), Request(profile="jump", role_mfa="shared")).mode == ROLE_MFA_SHARED


@pytest.mark.parametrize("environ, expected", [
    ({"AWS_PROFILE": "base"}, ("base", "AWS_PROFILE")),
    ({"AWS_DEFAULT_PROFILE": "base"}, ("base", "AWS_DEFAULT_PROFILE")),
    # botocore's order: AWS_DEFAULT_PROFILE first.
    ({"AWS_DEFAULT_PROFILE": "ops", "AWS_PROFILE": "base"}, ("ops", "AWS_DEFAULT_PROFILE")),
    ({"AWS_DEFAULT_PROFILE": "", "AWS_PROFILE": "base"}, ("base", "AWS_PROFILE")),
    ({"AWS_DEFAULT_PROFILE": "ops-mfa-auto"}, ("ops", "source of AWS_DEFAULT_PROFILE=ops-mfa-auto")),
])
def test_the_profile_variables_are_read_as_botocore_reads_them(tmp_path, environ, expected):
    config = CONFIG + ("\n[profile ops-mfa-auto]\ncredential_process = awsmfa env --json --profile ops\n"
                       "awsmfa_source_profile = ops\n")
    p = plan(files_with(tmp_path, config=config, **environ), Request())
    assert (p.profile, p.how) == expected


def test_the_flag_wins_over_both_variables(tmp_path):
    p = plan(files_with(tmp_path, AWS_DEFAULT_PROFILE="ops", AWS_PROFILE="ops"), Request(profile="base"))
    assert (p.profile, p.how, p.session_name) == ("base", "--profile", "base-mfa")


def test_a_session_profile_in_the_variable_keeps_its_name(tmp_path):
    credentials = LONG_TERM + BASE + stored_session(name="work", source="base")
    p = plan(files_with(tmp_path, credentials=credentials, AWS_DEFAULT_PROFILE="work"), Request())
    assert (p.source, p.session_name) == ("base", "work")
    assert plan(files_with(tmp_path, credentials=credentials, AWS_DEFAULT_PROFILE="work"),
                Request(update_profile="other")).session_name == "other"


def test_a_missing_profile_named_by_a_variable_is_refused_naming_that_variable(tmp_path):
    with pytest.raises(ProfileNotFound, match="AWS_DEFAULT_PROFILE=nope"):
        plan(files_with(tmp_path, AWS_DEFAULT_PROFILE="nope", AWS_PROFILE="base"), Request())


def test_a_broken_role_is_refused_by_the_plan(tmp_path):
    with pytest.raises(ProfileProblem, match="no source_profile"):
        plan(files_with(tmp_path, config=f"[profile bad]\nrole_arn = {OPS_ARN}\n"), Request(profile="bad"))


@pytest.mark.parametrize("edit", [
    ("role_arn = " + OPS_ARN, "role_arn = arn:aws:iam::111111111111:role/other"),
    ("source_profile = base", "source_profile = base\nrole_session_name = me"),
    ("source_profile = base", "source_profile = base\nexternal_id = abc123"),
    ("source_profile = base", "source_profile = base\nduration_seconds = 1800"),
    ("source_profile = base", "source_profile = base\nmfa_serial = arn:aws:iam::111111111111:mfa/other"),
    ("source_profile = base", "source_profile = default"),
])
def test_every_edit_that_changes_an_assume_role_call_changes_the_mark(tmp_path, edit):
    before = plan(files_with(tmp_path), Request(profile="ops")).made_from()
    after = plan(files_with(tmp_path, config=CONFIG.replace(*edit, 1)), Request(profile="ops")).made_from()
    assert before != after


def test_the_mark_ignores_what_does_not_change_a_call(tmp_path):
    before = plan(files_with(tmp_path), Request(profile="ops")).made_from()
    edited = CONFIG.replace("source_profile = base\n", "source_profile = base\noutput = table\n", 1)
    assert plan(files_with(tmp_path, config=edited), Request(profile="ops")).made_from() == before
    # ...nor the mode: a stored role session is reused whichever way it was made.
    assert plan(files_with(tmp_path), Request(profile="ops", role_mfa="per-role")).made_from() == before


# --- the reuse rule -------------------------------------------------------------------------

def _session(seconds_left, duration):
    expiration = timeutil.now() + dt.timedelta(seconds=seconds_left)
    return StoredSession("mfa", Credentials("ASIA", "s", "t", expiration), duration)


@pytest.mark.parametrize("left, duration, json, reusable", [
    (3600, 43200, False, True),
    (301, 43200, False, True),      # aws-vault's 5 minutes...
    (299, 43200, False, False),
    (100, 900, False, True),        # ...but never more than a tenth of the session
    (80, 900, False, False),
    (SDK_REFRESH_MARGIN_SECONDS + 5, 43200, True, True),  # env --json: before botocore's own refresh
    (SDK_REFRESH_MARGIN_SECONDS - 5, 43200, True, False),
    (600, 900, True, True),         # a session too short for that keeps the ordinary margin
    (-1, 43200, False, False),
])
def test_the_one_reuse_rule(left, duration, json, reusable):
    assert _session(left, duration).reusable(json) is reusable
    assert _session(left, duration).alive() is (left > 0)


def test_a_stored_role_session_is_served_only_for_its_role_and_plan(tmp_path):
    files = files_with(tmp_path, credentials=LONG_TERM + BASE + stored_role_session("ops-mfa", "ops"))
    p = plan(files, Request(profile="ops"))
    # Written before the mark existed: judged by its role ARN alone.
    assert StoredSession.read(files, "ops-mfa", "ops", role_arn=OPS_ARN, made_from=p.made_from()) is not None
    assert StoredSession.read(files, "ops-mfa", "ops", role_arn=OPS_ARN + "x") is None
    marked = stored_role_session("ops-mfa", "ops", extra="awsmfa_made_from = 00000000\n")
    files = files_with(tmp_path, credentials=LONG_TERM + BASE + marked)
    assert StoredSession.read(files, "ops-mfa", "ops", role_arn=OPS_ARN, made_from=p.made_from()) is None
    assert StoredSession.read(files, "ops-mfa", "ops", role_arn=OPS_ARN, made_from="00000000") is not None
