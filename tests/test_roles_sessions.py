"""Where role sessions go: the self-renewing config profile awsmfa writes, and what it refuses.

The config file is the user's: the profile awsmfa writes there is its own section only, every
other byte stays, a second write with the same values changes nothing, removal gives the file
back byte for byte, and a profile awsmfa did not write is refused, untouched (logout leaves
it in place; one with awsmfa's mark but changed by hand is refused there too).
"""
import os
import stat

import botocore.session
import pytest

from awsshell_setup.sessions import rolestore
from awsshell_setup.core.errors import ProfileProblem
from awsshell_setup.sessions.profiles import AwsFiles

USER_CONFIG = ("# my settings\n[default]\nregion = eu-west-1\n\n[profile ops]\n"
               "role_arn = arn:aws:iam::111111111111:role/ops\nsource_profile = default\n; keep me\n")


@pytest.fixture
def home(tmp_path):
    aws = tmp_path / ".aws"
    aws.mkdir()
    (aws / "config").write_text(USER_CONFIG)
    os.chmod(aws / "config", 0o640)
    (aws / "credentials").write_text("[default]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n")
    return tmp_path


def environ(home):
    return {"HOME": str(home)}


def items(profile="ops", region="eu-west-1"):
    return rolestore.process_items(profile, rolestore.process_command(profile), region)


def test_the_renewing_profile_is_written_once_and_removed_byte_for_byte(home):
    config = home / ".aws" / "config"
    assert rolestore.write_renewing_profile(environ(home), "ops-mfa-auto", items(), "ops")
    text = config.read_text()
    assert text.startswith(USER_CONFIG)
    assert text[len(USER_CONFIG):] == ("\n[profile ops-mfa-auto]\ncredential_process = awsmfa env --json --profile ops\n"
                                       "region = eu-west-1\nawsmfa_source_profile = ops\n")
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o640  # the config file keeps its mode
    assert not rolestore.write_renewing_profile(environ(home), "ops-mfa-auto", items(), "ops")
    assert config.read_text() == text
    assert rolestore.remove_role_session(environ(home), "ops-mfa", "ops") == (True, [])  # logout --profile ops
    assert config.read_text() == USER_CONFIG
    assert rolestore.remove_role_session(environ(home), "ops-mfa", "ops") == (False, [])


def test_botocore_reads_the_renewing_profile_as_a_credential_process(home):
    rolestore.write_renewing_profile(environ(home), "ops-mfa-auto", items(), "ops")
    session = botocore.session.Session()
    session.set_config_variable("config_file", str(home / ".aws" / "config"))
    session.set_config_variable("credentials_file", str(home / ".aws" / "credentials"))
    profile = session.full_config["profiles"]["ops-mfa-auto"]
    assert profile["credential_process"] == "awsmfa env --json --profile ops"
    assert profile["region"] == "eu-west-1"
    # botocore splits the line with shlex, no shell: these are the words it runs.
    from botocore.compat import compat_shell_split

    assert compat_shell_split(profile["credential_process"]) == ["awsmfa", "env", "--json", "--profile", "ops"]


def test_a_new_config_file_is_private(tmp_path):
    (tmp_path / ".aws").mkdir()
    rolestore.write_renewing_profile(environ(tmp_path), "ops-mfa-auto", items(region=None), "ops")
    config = tmp_path / ".aws" / "config"
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    assert config.read_text() == ("[profile ops-mfa-auto]\ncredential_process = awsmfa env --json --profile ops\n"
                                  "awsmfa_source_profile = ops\n")


@pytest.mark.parametrize("section, expected", [
    ("[profile ops-mfa-auto]\ncredential_process = /usr/bin/my-tool\n", "was not written by awsmfa"),
    ('[profile "ops-mfa-auto"]\nregion = eu-west-1\n', "was not written by awsmfa"),
    ("[profile ops-mfa-auto]\ncredential_process = x\nawsmfa_source_profile = ops\nsso_session = x\n", "holds sso_session"),
    ("[profile ops-mfa-auto]\ncredential_process = x\nawsmfa_source_profile = other\n",
     "awsmfa_source_profile = other"),
])
def test_a_config_profile_awsmfa_did_not_write_is_refused_untouched(home, section, expected):
    config = home / ".aws" / "config"
    config.write_text(USER_CONFIG + "\n" + section)
    before = config.read_bytes()
    with pytest.raises(ProfileProblem, match=expected) as raised:
        rolestore.write_renewing_profile(environ(home), "ops-mfa-auto", items(), "ops")
    assert "\n" not in str(raised.value)
    removed, kept = rolestore.remove_role_session(environ(home), "ops-mfa", "ops")
    assert not removed
    if "not written by awsmfa" in expected:  # the user's own profile: logout leaves it, silently
        assert kept == []
    else:  # awsmfa's mark, changed by hand: not awsmfa's to remove, so kept, and said
        assert len(kept) == 1 and expected in kept[0] and "remove it by hand" in kept[0], kept
    assert config.read_bytes() == before


def test_a_credentials_section_of_that_name_is_refused(home):
    (home / ".aws" / "credentials").write_text("[ops-mfa-auto]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n")
    with pytest.raises(ProfileProblem, match="would be used before the credential_process"):
        rolestore.write_renewing_profile(environ(home), "ops-mfa-auto", items(), "ops")
    assert (home / ".aws" / "config").read_text() == USER_CONFIG


def test_an_awsmfa_profile_under_a_quoted_header_is_updated_in_place(home):
    config = home / ".aws" / "config"
    config.write_text(USER_CONFIG + '\n[profile "ops-mfa-auto"]\ncredential_process = old\nawsmfa_source_profile = ops\n')
    rolestore.write_renewing_profile(environ(home), "ops-mfa-auto", items(), "ops")
    text = config.read_text()
    assert text.count("ops-mfa-auto") == 1 and '[profile "ops-mfa-auto"]' in text
    assert AwsFiles(environ(home)).config_section("ops-mfa-auto")["credential_process"] == \
        "awsmfa env --json --profile ops"


@pytest.mark.parametrize("name", ["my prod", "prod;id", "prod$(id)", "-rf", "pro'd", 'pro"d', "prod\\x"])
def test_names_a_credential_process_line_would_have_to_quote_are_refused(name):
    with pytest.raises(Exception) as raised:
        rolestore.process_command(name)
    assert "\n" not in str(raised.value)


def test_the_command_carries_the_session_profile_and_mode_when_given():
    assert rolestore.process_command("ops", "ops-session", "per-role") == \
        "awsmfa env --json --profile ops --update-profile ops-session --role-mfa per-role"
