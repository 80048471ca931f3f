"""Config-file profiles found exactly as botocore finds them, checked against botocore itself.

botocore's configloader.build_profile_map takes every section whose header starts with
`profile`, splits the header with shlex, and keeps it when that gives exactly two words: so
`[profile "work"]`, `[profile  work]` and `[profile\\twork]` are all profile `work` to the AWS
CLI, and a later section of the same name replaces an earlier one. awsmfa must agree on every
header, with configparser's checked reading and with its own quick scanner alike.
"""
import collections
import os

import botocore.configloader
import botocore.exceptions
import botocore.session
import pytest
from hypothesis import given, strategies as st

from awsenv import AwsUser
from awsshell_setup.sessions.profiles import AwsFiles

FIGURES = collections.Counter()  # printed by conftest.pytest_terminal_summary

HEADERS = [
    "profile work", 'profile "work"', "profile  work", "profile\twork", "profile 'work'", "profile work ",
    "profile \t work", 'profile "wo rk"', "profile wo\\ rk", "profile w'o'rk", 'profile "w\\"ork"',
    "profile 'w\\ork'", "profile work extra", "profilework", "profiles work", "profile-x work", "profile",
    "profile ", 'profile ""', "profile ''", 'profile "unterminated', "profile work\\", "profile \\",
    "profile\u00a0work", "profile\x0bwork", "profile\x0cwork", " profile work", "Profile work", "default",
    "Default", "profile default", 'profile "default"', "default ", "sso-session work", "services work",
    "profile #work", "profile ;work", "profile w#ork", "profile a]b", "profile ünï", 'profile "a" "b"',
    "profile \"it's\"", "profile 'say \"hi\"'",
]


def botocore_profiles(path):
    return botocore.configloader.load_config(path)["profiles"]


def awsmfa_files(home, config_path, check):
    environ = {"HOME": home, "AWS_CONFIG_FILE": config_path,
               "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "no-credentials")}
    return AwsFiles(environ, check=check)


def probe_names(headers):
    """Names worth asking for: every word and quoted piece a header could yield, and more."""
    names = {"work", "default", "wo rk", "", "a", "b", "x"}
    for header in headers:
        names.update(header.split())
        names.add(header.partition(" ")[2])
    return names


def assert_same_profiles(tmp_path, headers):
    home = str(tmp_path)
    path = os.path.join(home, "config")
    body = "".join(f"[{header}]\nregion = r{index}\nmarker = {index}\n\n" for index, header in enumerate(headers))
    with open(path, "w") as handle:
        handle.write(body)
    expected = botocore_profiles(path)
    for check in (True, False):
        files = awsmfa_files(home, path, check)
        for name in probe_names(headers) | set(expected):
            assert files.config_section(name) == expected.get(name), (headers, name, check)
    FIGURES["config headers compared with botocore's build_profile_map"] += len(headers)
    return expected


@pytest.mark.parametrize("header", HEADERS)
def test_each_header_names_the_profile_botocore_reads(tmp_path, header):
    assert_same_profiles(tmp_path, [header])


@pytest.mark.parametrize("headers", [
    ["profile work", 'profile "work"'], ['profile "work"', "profile work"], ["profile  work", "profile\twork"],
    ["default", "profile default"], ["profile default", "default"], ["profile work", "profiles work", "profile work x"],
])
def test_the_last_section_of_a_name_wins_as_in_botocore(tmp_path, headers):
    expected = assert_same_profiles(tmp_path, headers)
    assert expected  # the case means something: botocore found a profile


WORD = st.text(st.sampled_from(list("wok-_.1é ") + ["'", '"', "\\", "\t", "#", ";", "=", "]", "\u00a0", "\x0b"]),
               max_size=8)
PREFIX = st.sampled_from(["profile", "profiles", "profile-x", "Profile", "default", "prof", "sso-session", ""])
SEPARATOR = st.sampled_from([" ", "  ", "\t", " \t ", ""])
HEADER = st.builds(lambda prefix, sep, word, tail: prefix + sep + word + tail, PREFIX, SEPARATOR, WORD,
                   st.sampled_from(["", " ", " extra", '"', "'", "\\"]))


@given(headers=st.lists(HEADER.filter(bool), min_size=1, max_size=4, unique=True))
def test_generated_headers_read_as_botocore_reads_them(tmp_path, headers):
    assert_same_profiles(tmp_path, headers)


@pytest.mark.parametrize("header", ['profile "work"', "profile  work", "profile\twork", "profile 'work'"])
def test_botocore_session_agrees(tmp_path, monkeypatch, header):
    """The same through botocore.session.Session(profile=...), the object the AWS CLI builds."""
    path = tmp_path / "config"
    path.write_text(f"[{header}]\nregion = eu-north-1\nmfa_serial = arn:aws:iam::123456789012:mfa/w\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    scoped = botocore.session.Session(profile="work").get_scoped_config()
    files = awsmfa_files(str(tmp_path), str(path), True)
    assert files.config_section("work") == scoped
    with pytest.raises(botocore.exceptions.ProfileNotFound):
        botocore.session.Session(profile=header).get_scoped_config()
    assert files.config_section(header) is None


@pytest.mark.parametrize("header", ['profile "work"', "profile  work", "profile\twork"])
def test_a_source_profile_under_such_a_header_logs_in(tmp_path, local_aws, seed_user, header):
    """End to end: long-term keys and mfa_serial under `[profile "work"]` in the config file
    (botocore allows keys there). The AWS CLI finds the profile; so must awsmfa."""
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    user.write_credentials("")
    user.write_config(f"[{header}]\naws_access_key_id = {seed_user.access_key_id}\n"
                      f"aws_secret_access_key = {seed_user.secret_access_key}\n"
                      f"mfa_serial = {seed_user.serial_number}\nregion = us-east-1\n")
    who = user.aws("sts", "get-caller-identity", "--profile", "work")
    assert who.returncode == 0 and seed_user.user_arn in who.stdout, who.stderr  # the premise
    result = user.awsmfa("login", "--profile", "work", "--token-code", local_aws.fresh_code(seed_user.serial_number))
    assert result.returncode == 0, result.stderr
    assert "new session in profile [work-mfa]" in result.stderr
    assert "mfa_serial in ~/.aws/config" in result.stderr
    who = user.aws("sts", "get-caller-identity", "--profile", "work-mfa")
    assert who.returncode == 0 and seed_user.user_arn in who.stdout, who.stderr
