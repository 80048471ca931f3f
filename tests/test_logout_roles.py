"""`awsmfa logout --profile SOURCE` ends what was made from that MFA session: the role sessions
([ops-mfa]) whose `awsmfa_mfa_profile` names it and their self-renewing config profiles
([profile ops-mfa-auto]) go with it, byte for byte, so no working role keys stay on disk.

Only what awsmfa wrote goes (identified by its own keys); a section of the user's with a similar
name stays, and so do role sessions made per role (`--role-mfa per-role`: no MFA session behind
them). A refusal comes before anything is removed and leaves both files as they were.

The first tests make the role sessions for real, against the package's local AWS (one code for
two roles, as `mfa --profile ops` then `mfa --profile audit` would), and ask the real `aws`
CLI afterwards; the others write the sections as awsmfa writes them, with no AWS to reach.
"""
import subprocess

import pytest

from awsenv import (AWSMFA, BASE, MFA_KEYS, OPS_ARN, SERIAL, AwsUser, offline_user, renewing_profile,
                    stored_role_session, stored_session)

from localaws_fixtures import roles  # noqa: F401  (pytest fixture)

# A profile and comments of the user's around ours: every byte of them must stay.
OTHER_CREDENTIALS = "\n# the work account\n[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key = worksecret\n"
OTHER_CONFIG = "\n# mine\n[profile work]\nregion = eu-central-1\noutput = json\n"
# What the user adds after awsmfa wrote its sections: it must stay too, after ours are gone.
LATER_CREDENTIALS = "\n; added later\n[later]\naws_access_key_id = AKIALATER\naws_secret_access_key = latersecret\n"
LATER_CONFIG = "\n[profile later]\nregion = ap-south-1\n"


def role_files(scenario):
    """(credentials, config): long-term keys in [base], role profiles ops and audit on it."""
    credentials = (f"[base]\naws_access_key_id = {scenario.access_key_id}\n"
                   f"aws_secret_access_key = {scenario.secret_access_key}\n" + OTHER_CREDENTIALS)
    config = (f"[profile base]\nregion = us-east-1\nmfa_serial = {scenario.serial_number}\n\n"
              f"[profile ops]\nrole_arn = {scenario.ops_role_arn}\nsource_profile = base\nregion = us-east-1\n\n"
              f"[profile audit]\nrole_arn = {scenario.audit_role_arn}\nsource_profile = base\nregion = us-east-1\n"
              + OTHER_CONFIG)
    return credentials, config


def read(path):
    with open(path, newline="") as handle:
        return handle.read()


def both(user):
    return read(user.credentials), read(user.config)


def append(path, text):
    with open(path, "a", newline="") as handle:
        handle.write(text)


def one_line(result):
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def who(user, profile):
    """The real AWS CLI's answer for --profile PROFILE."""
    return user.aws("sts", "get-caller-identity", "--profile", profile, "--query", "Arn", "--output", "text")


def assert_profile_gone(user, profile):
    result = who(user, profile)
    assert result.returncode != 0, result.stdout
    assert f"The config profile ({profile}) could not be found" in result.stderr, result.stderr


@pytest.fixture
def role_user(tmp_path, local_aws, roles):  # noqa: F811  (the fixture imported above)
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    credentials, config = role_files(roles)
    user.write_credentials(credentials)
    user.write_config(config)
    return user


def test_logout_of_the_source_removes_the_role_sessions_made_from_its_mfa_session(role_user, local_aws, roles):
    user = role_user
    before = both(user)
    made = user.awsmfa("login", "--profile", "ops", "--token-code", local_aws.fresh_code(roles.serial_number))
    assert made.returncode == 0, made.stderr
    second = user.awsmfa("login", "--profile", "audit")  # no code: the MFA session [base-mfa] serves it
    assert second.returncode == 0, second.stderr
    assert local_aws.codes_spent == 1
    credentials, config = both(user)
    for section in ("[base-mfa]", "[ops-mfa]", "[audit-mfa]"):
        assert section in credentials
    assert "[profile ops-mfa-auto]" in config and "[profile audit-mfa-auto]" in config
    assert who(user, "ops-mfa").returncode == 0 and who(user, "audit-mfa").returncode == 0
    append(user.credentials, LATER_CREDENTIALS)
    append(user.config, LATER_CONFIG)

    result = user.awsmfa("logout", "--profile", "base")

    assert result.returncode == 0, result.stderr
    assert one_line(result) == ("awsmfa: removed session profile [base-mfa] and the role sessions made from it: "
                                "[ops-mfa], [audit-mfa]")
    # Byte for byte: what was there before login, plus what the user added since.
    assert both(user) == (before[0] + LATER_CREDENTIALS, before[1] + LATER_CONFIG)
    for profile in ("base-mfa", "ops-mfa", "audit-mfa", "ops-mfa-auto", "audit-mfa-auto"):
        assert_profile_gone(user, profile)
    again = user.awsmfa("logout", "--profile", "base")
    assert again.returncode == 0 and one_line(again) == "awsmfa: no session profile [base-mfa]; nothing to remove"


def test_logout_of_the_source_keeps_a_role_session_made_per_role(role_user, local_aws, roles):
    user = role_user
    before = both(user)
    per_role = user.awsmfa("login", "--profile", "audit", "--role-mfa", "per-role",
                           "--token-code", local_aws.fresh_code(roles.serial_number))
    assert per_role.returncode == 0, per_role.stderr
    after_audit = both(user)
    shared = user.awsmfa("login", "--profile", "ops", "--token-code", local_aws.fresh_code(roles.serial_number))
    assert shared.returncode == 0, shared.stderr
    assert "[base-mfa]" in read(user.credentials) and "awsmfa_role_mfa = per-role" in read(user.credentials)

    result = user.awsmfa("logout", "--profile", "base")

    assert result.returncode == 0, result.stderr
    assert one_line(result) == "awsmfa: removed session profile [base-mfa] and the role sessions made from it: [ops-mfa]"
    assert both(user) == after_audit and after_audit != before  # audit's per-role session and profile stay
    assert_profile_gone(user, "ops-mfa")
    kept = who(user, "audit-mfa")
    assert kept.returncode == 0 and ":assumed-role/audit/" in kept.stdout, kept.stderr


# --- offline: sections as awsmfa writes them, no AWS to reach ---------------------------------

AUDIT_ARN = "arn:aws:iam::222222222222:role/audit"
CONFIG = (f"[profile base]\nregion = eu-west-1\nmfa_serial = {SERIAL}\n\n"
          f"[profile ops]\nrole_arn = {OPS_ARN}\nsource_profile = base\nregion = eu-west-1\n\n"
          f"[profile audit]\nrole_arn = {AUDIT_ARN}\nsource_profile = base\nregion = eu-west-1\n")


def mfa_session(name="base-mfa", source="base"):
    return stored_session(name, source, 6 * 3600, keys=MFA_KEYS)


@pytest.fixture
def offline(tmp_path):
    return offline_user(tmp_path / "home", BASE, CONFIG)


def test_foreign_sections_with_similar_names_stay(offline):
    """Kept: a hand-made [dev-mfa] and a config profile [profile audit-mfa-auto] of the user's
    (no awsmfa_source_profile), a section naming base-mfa but lacking awsmfa's own mark, and
    the role session of another MFA session. Removed: the sessions made from [base-mfa]."""
    hand_made = "\n[dev-mfa]\naws_access_key_id = AKIAHAND\naws_secret_access_key = handsecret\n"
    unmarked = ("\n[odd-mfa]\naws_access_key_id = ASIAODD\naws_secret_access_key = oddsecret\n"
                "aws_session_token = oddtoken\nawsmfa_mfa_profile = base-mfa\n")
    other_source = stored_role_session("deploy-mfa", "deploy", OPS_ARN, mfa_profile="other-mfa")
    users_process = "\n[profile audit-mfa-auto]\ncredential_process = /usr/local/bin/vault-creds audit\n"
    kept_credentials = BASE + hand_made + unmarked + other_source
    offline.write_credentials(BASE + mfa_session() + hand_made + stored_role_session("ops-mfa", "ops", OPS_ARN)
                              + unmarked + stored_role_session("audit-mfa", "audit", AUDIT_ARN) + other_source)
    offline.write_config(CONFIG + renewing_profile("ops-mfa-auto", "ops") + users_process
                         + renewing_profile("deploy-mfa-auto", "deploy"))

    result = offline.awsmfa("logout", "--profile", "base")

    assert result.returncode == 0, result.stderr
    assert one_line(result) == ("awsmfa: removed session profile [base-mfa] and the role sessions made from it: "
                                "[ops-mfa], [audit-mfa]")
    assert both(offline) == (kept_credentials, CONFIG + users_process + renewing_profile("deploy-mfa-auto", "deploy"))


def test_a_role_session_made_per_role_stays(offline):
    per_role = stored_role_session("audit-mfa", "audit", AUDIT_ARN, mfa_profile=None)
    offline.write_credentials(BASE + mfa_session() + per_role)
    offline.write_config(CONFIG + renewing_profile("audit-mfa-auto", "audit"))
    result = offline.awsmfa("logout", "--profile", "base")
    assert result.returncode == 0 and one_line(result) == "awsmfa: removed session profile [base-mfa]"
    assert both(offline) == (BASE + per_role, CONFIG + renewing_profile("audit-mfa-auto", "audit"))


def test_the_default_source_and_its_mfa_session(offline):
    """`awsmfa logout` with no profile: the MFA session [mfa] of [default], and what was made from it."""
    offline.write_credentials(BASE.replace("[base]", "[default]") + mfa_session("mfa", "default")
                              + stored_role_session("ops-mfa", "ops", OPS_ARN, mfa_profile="mfa"))
    offline.write_config(CONFIG + renewing_profile("ops-mfa-auto", "ops"))
    result = offline.awsmfa("logout")
    assert result.returncode == 0, result.stderr
    assert one_line(result) == "awsmfa: removed session profile [mfa] and the role sessions made from it: [ops-mfa]"
    assert both(offline) == (BASE.replace("[base]", "[default]"), CONFIG)


def test_a_role_session_stored_under_update_profile_goes_with_its_renewing_profile(offline):
    """`login --profile ops --update-profile work-ops` stores [work-ops] and [profile work-ops-auto]."""
    auto = renewing_profile("work-ops-auto", "ops", update_profile="work-ops")
    offline.write_credentials(BASE + mfa_session() + stored_role_session("work-ops", "ops", OPS_ARN))
    offline.write_config(CONFIG + auto)
    result = offline.awsmfa("logout", "--profile", "base")
    assert result.returncode == 0, result.stderr
    assert one_line(result) == "awsmfa: removed session profile [base-mfa] and the role sessions made from it: [work-ops]"
    assert both(offline) == (BASE, CONFIG)


def test_role_sessions_go_even_when_their_mfa_session_is_already_gone(offline):
    offline.write_credentials(BASE + stored_role_session("ops-mfa", "ops", OPS_ARN))
    offline.write_config(CONFIG + renewing_profile("ops-mfa-auto", "ops"))
    result = offline.awsmfa("logout", "--profile", "base")
    assert result.returncode == 0, result.stderr
    assert one_line(result) == ("awsmfa: no session profile [base-mfa]; removed the role sessions made from it: "
                                "[ops-mfa]")
    assert both(offline) == (BASE, CONFIG)


def test_a_config_file_in_another_folder(offline, tmp_path):
    """AWS_CONFIG_FILE elsewhere: both folders are locked, both files edited."""
    elsewhere = tmp_path / "dotfiles" / "aws-config"
    elsewhere.parent.mkdir()
    elsewhere.write_text(CONFIG + renewing_profile("ops-mfa-auto", "ops"))
    offline.write_credentials(BASE + mfa_session() + stored_role_session("ops-mfa", "ops", OPS_ARN))
    result = offline.awsmfa("logout", "--profile", "base", env={"AWS_CONFIG_FILE": str(elsewhere)})
    assert result.returncode == 0, result.stderr
    assert "[ops-mfa]" in one_line(result)
    assert read(offline.credentials) == BASE and read(str(elsewhere)) == CONFIG


REFUSED = {
    "a role session with a key awsmfa does not write": (
        stored_role_session("ops-mfa", "ops", OPS_ARN, extra="output = json\n"),
        renewing_profile("ops-mfa-auto", "ops"),
        "profile [ops-mfa] in ~/.aws/credentials, a role session made from [base-mfa], holds keys awsmfa does not "
        "write (output)"),
}


# Config profiles awsmfa marked but someone changed: kept, and said; the keys still go.
KEPT = {
    "a self-renewing profile with a key awsmfa does not write": (
        # (a setting such as output is the role profile's, carried: a key of another kind is not)
        renewing_profile("ops-mfa-auto", "ops", extra="mfa_serial = arn:aws:iam::111111111111:mfa/x\n"),
        "kept [profile ops-mfa-auto] in ~/.aws/config: it holds mfa_serial, not what awsmfa writes for [ops]"),
    "a self-renewing profile for another role": (
        renewing_profile("ops-mfa-auto", "audit"),
        "kept [profile ops-mfa-auto] in ~/.aws/config: it holds awsmfa_source_profile = audit, not what awsmfa "
        "writes for [ops]"),
}


@pytest.mark.parametrize("case", sorted(KEPT))
def test_logout_removes_every_key_and_keeps_a_changed_renewing_profile_saying_so(offline, case):
    """A config profile holds no keys: one changed by hand stays as it is (not awsmfa's to
    remove), and logging out of the source still leaves no session keys on disk."""
    changed, words = KEPT[case]
    offline.write_credentials(BASE + mfa_session() + stored_role_session("ops-mfa", "ops", OPS_ARN))
    offline.write_config(CONFIG + changed)
    result = offline.awsmfa("logout", "--profile", "base")
    assert result.returncode == 0 and result.stdout == "", result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "awsmfa: removed session profile [base-mfa] and the role sessions made from it: [ops-mfa]"
    assert len(lines) == 2 and lines[1].startswith("awsmfa: " + words) and "remove it by hand" in lines[1], lines
    assert both(offline) == (BASE, CONFIG + changed)


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refusal_removes_nothing_from_either_file(offline, case):
    role, config, words = REFUSED[case]
    offline.write_credentials(BASE + mfa_session() + stored_role_session("audit-mfa", "audit", AUDIT_ARN) + role)
    offline.write_config(CONFIG + renewing_profile("audit-mfa-auto", "audit") + config)
    before = both(offline)
    result = offline.awsmfa("logout", "--profile", "base")
    assert result.returncode == 1 and result.stdout == ""
    line = one_line(result)
    assert words in line and line.endswith("awsmfa changed nothing"), line
    assert both(offline) == before


def test_a_read_only_config_is_refused_before_the_credentials_change(offline, tmp_path):
    """The self-renewing profile cannot go (its folder is read-only, as a dotfile manager may
    make it): the role session's keys are not removed either, and the message says why."""
    from test_credentials_hostile import unprivileged  # root without CAP_DAC_OVERRIDE: permission bits bind

    folder = tmp_path / "dotfiles"
    folder.mkdir()
    config = folder / "config"
    config.write_text(CONFIG + renewing_profile("ops-mfa-auto", "ops"))
    offline.write_credentials(BASE + mfa_session() + stored_role_session("ops-mfa", "ops", OPS_ARN))
    before = read(offline.credentials)
    folder.chmod(0o555)
    try:
        result = subprocess.run(unprivileged(AWSMFA + ["logout", "--profile", "base"]),
                                env=offline.environ(AWS_CONFIG_FILE=str(config)), capture_output=True, text=True,
                                timeout=60, stdin=subprocess.DEVNULL)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 1, result.stderr
    line = one_line(result)
    assert "is not writable" in line and line.endswith("awsmfa changed nothing"), line
    assert read(offline.credentials) == before and read(str(config)) == CONFIG + renewing_profile("ops-mfa-auto", "ops")


def test_logout_of_a_role_is_unchanged(offline):
    """`logout --profile ops` removes that role session and its profile; the MFA session and
    the other role sessions made from it stay."""
    kept = BASE + mfa_session() + stored_role_session("audit-mfa", "audit", AUDIT_ARN)
    offline.write_credentials(kept + stored_role_session("ops-mfa", "ops", OPS_ARN))
    offline.write_config(CONFIG + renewing_profile("audit-mfa-auto", "audit") + renewing_profile("ops-mfa-auto", "ops"))
    result = offline.awsmfa("logout", "--profile", "ops")
    assert result.returncode == 0 and one_line(result) == "awsmfa: removed session profile [ops-mfa]"
    assert both(offline) == (kept, CONFIG + renewing_profile("audit-mfa-auto", "audit"))


def test_logout_of_a_role_keeps_a_config_profile_of_the_users_own(offline):
    """A `[profile ops-mfa-auto]` the user wrote (no awsmfa_source_profile) is theirs: `logout
    --profile ops` removes the role session and leaves that profile, as logout of the source
    does; a hint about --update-profile would make no sense here."""
    users_own = "\n[profile ops-mfa-auto]\ncredential_process = /usr/local/bin/my-tool ops\n"
    kept = BASE + mfa_session()
    offline.write_credentials(kept + stored_role_session("ops-mfa", "ops", OPS_ARN))
    offline.write_config(CONFIG + users_own)
    result = offline.awsmfa("logout", "--profile", "ops")
    assert result.returncode == 0 and one_line(result) == "awsmfa: removed session profile [ops-mfa]", result.stderr
    assert both(offline) == (kept, CONFIG + users_own)


def test_logout_of_a_role_removes_its_keys_and_keeps_a_changed_renewing_profile(offline):
    """awsmfa's mark but a key it never writes: changed by hand, so it stays, said in a second
    line; the role session's keys go all the same."""
    changed = renewing_profile("ops-mfa-auto", "ops", extra="mfa_serial = arn:aws:iam::111111111111:mfa/x\n")
    kept = BASE + mfa_session()
    offline.write_credentials(kept + stored_role_session("ops-mfa", "ops", OPS_ARN))
    offline.write_config(CONFIG + changed)
    result = offline.awsmfa("logout", "--profile", "ops")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "awsmfa: removed session profile [ops-mfa]" and len(lines) == 2, lines
    assert "holds mfa_serial" in lines[1] and "--update-profile" not in lines[1], lines
    assert both(offline) == (kept, CONFIG + changed)


def test_logout_of_a_role_ignores_a_credentials_section_named_like_the_renewing_profile(offline):
    """[ops-mfa-auto] in the credentials file only matters when the profile is written (botocore
    would take its keys first); logout has nothing to write there and removes what is awsmfa's."""
    theirs = "\n[ops-mfa-auto]\naws_access_key_id = AKIATHEIRS\naws_secret_access_key = theirsecret\n"
    kept = BASE + mfa_session() + theirs   # built once: a second call may stamp the next second
    offline.write_credentials(kept + stored_role_session("ops-mfa", "ops", OPS_ARN))
    offline.write_config(CONFIG + renewing_profile("ops-mfa-auto", "ops"))
    result = offline.awsmfa("logout", "--profile", "ops")
    assert result.returncode == 0, result.stderr
    assert both(offline) == (kept, CONFIG)


def test_logout_quiet_says_nothing_but_what_it_kept(offline):
    """-q as for env and login: no line for what was removed; a profile it had to keep is still
    said (it is not what was asked for)."""
    changed = renewing_profile("ops-mfa-auto", "ops", extra="mfa_serial = arn:aws:iam::111111111111:mfa/x\n")
    offline.write_credentials(BASE + mfa_session() + stored_role_session("ops-mfa", "ops", OPS_ARN))
    offline.write_config(CONFIG + changed)
    result = offline.awsmfa("logout", "-q", "--profile", "base")
    assert result.returncode == 0 and result.stdout == "", result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("awsmfa: kept [profile ops-mfa-auto]"), lines
    assert both(offline) == (BASE, CONFIG + changed)
    again = offline.awsmfa("logout", "--quiet", "--profile", "base")
    assert again.returncode == 0 and again.stderr == "" and again.stdout == "", again.stderr
