"""The standard `expiration` key in every session profile awsmfa writes, read back as prompts
read it.

starship's aws module (starship/starship, src/modules/aws.rs, get_credentials_duration) takes,
when no AWS_CREDENTIAL_EXPIRATION is exported, the credentials-file section named by AWS_PROFILE
and parses the first of its keys `expiration`, `x_security_token_expires` with
`chrono::DateTime::parse_from_rfc3339`:

    let expiration_keys = ["expiration", "x_security_token_expires"];
    expiration_keys.iter().find_map(|expiration_key| section.get(expiration_key))
        .and_then(|expiration| DateTime::parse_from_rfc3339(expiration).ok())

`starship_expiry` below does the same on the file awsmfa wrote. Old sessions without the key
stay awsmfa's: reused, and removed by logout.
"""
import datetime as dt
import re


from awsenv import AwsUser
from localaws_fixtures import roles_home
from awsshell_setup.core import timeutil
from awsshell_setup.localaws import provision_roles

# RFC 3339's date-time (section 5.6), as chrono's parse_from_rfc3339 accepts it: 'T', 't' or a
# space between date and time, optional fraction, 'Z'/'z' or a numeric offset.
RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def ini_sections(text):
    """{section: {key: value}} as rust-ini reads a credentials file: keys and values trimmed."""
    sections, current = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
        elif current is not None and "=" in line:
            key, _, value = line.partition("=")
            current[key.strip()] = value.strip()
    return sections


def starship_expiry(credentials_text, aws_profile):
    """The expiry starship shows for AWS_PROFILE=aws_profile, or None when it finds none."""
    section = ini_sections(credentials_text).get(aws_profile) or {}
    value = next((section[key] for key in ("expiration", "x_security_token_expires") if key in section), None)
    if value is None or not RFC3339.match(value):
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))


def test_a_new_mfa_session_carries_the_expiry_starship_reads(user, local_aws, seed_user):
    result = user.awsmfa("login", "--duration-seconds", "3600", "--token-code",
                         local_aws.fresh_code(seed_user.serial_number))
    assert result.returncode == 0, result.stderr
    text = user.read_credentials()
    section = ini_sections(text)["mfa"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", section["expiration"]), section  # UTC, seconds, Z
    assert section["expiration"] == section["awsmfa_expiration"]
    shown = starship_expiry(text, "mfa")
    assert shown is not None and 3500 < (shown - timeutil.now()).total_seconds() <= 3600
    # The AWS CLI ignores the key: the profile still works.
    assert user.aws("sts", "get-caller-identity", "--profile", "mfa").returncode == 0


def test_a_role_session_carries_it_too(tmp_path, local_aws):
    scenario = provision_roles(local_aws)
    user = roles_home(tmp_path / "home", local_aws, scenario)
    result = user.awsmfa("login", "--profile", "ops", "--token-code", local_aws.fresh_code(scenario.serial_number))
    assert result.returncode == 0, result.stderr
    text = user.read_credentials()
    for profile, span in (("ops-mfa", 3600), ("base-mfa", 43200)):
        section = ini_sections(text)[profile]
        assert section["expiration"] == section["awsmfa_expiration"], profile
        left = (starship_expiry(text, profile) - timeutil.now()).total_seconds()
        assert span - 120 < left <= span, (profile, left)


OLD_SESSION = ("\n[mfa]\naws_access_key_id = ASIAOLD\naws_secret_access_key = oldsecret\naws_session_token = oldtoken\n"
               "awsmfa_source_profile = default\nawsmfa_expiration = {expiration}\nawsmfa_duration_seconds = 43200\n")


def test_a_session_written_before_the_key_existed_is_still_reused_and_removed(tmp_path):
    user = AwsUser(tmp_path / "home", endpoint_url="http://127.0.0.1:9")
    long_term = "[default]\naws_access_key_id = AKIALONGTERM\naws_secret_access_key = s\n"
    user.write_credentials(long_term + OLD_SESSION.format(
        expiration=timeutil.format_utc(timeutil.now() + dt.timedelta(hours=2))))
    user.write_config("[default]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/trainee\n")
    reused = user.awsmfa("env", "--shell", "bash")
    assert reused.returncode == 0 and "export AWS_SESSION_TOKEN=oldtoken" in reused.stdout, reused.stderr
    assert starship_expiry(user.read_credentials(), "mfa") is None  # nothing to show, nothing broken
    assert user.awsmfa("logout").returncode == 0
    assert user.read_credentials() == long_term


def test_logout_removes_a_session_holding_the_key(user, local_aws, seed_user):
    before = user.read_credentials()
    assert user.awsmfa("login", "--token-code", local_aws.fresh_code(seed_user.serial_number)).returncode == 0
    assert "\nexpiration = " in user.read_credentials()
    result = user.awsmfa("logout")
    assert result.returncode == 0, result.stderr
    assert user.read_credentials() == before


def test_a_renewed_session_keeps_one_expiration_line(user, local_aws, seed_user):
    for _ in range(2):
        result = user.awsmfa("login", "--force", "--token-code", local_aws.fresh_code(seed_user.serial_number))
        assert result.returncode == 0, result.stderr
    text = user.read_credentials()
    assert text.count("\nexpiration = ") == 1
    section = ini_sections(text)["mfa"]
    assert section["expiration"] == section["awsmfa_expiration"]
