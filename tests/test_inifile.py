"""The credentials-file editor changes only the session section's key lines."""
import pytest

from awsshell_setup.core.errors import FileProblem
from awsshell_setup.core.inifile import IniDocument

SESSION = {"aws_access_key_id": "ASIANEW", "aws_secret_access_key": "s3cr3t", "aws_session_token": "tok"}

USER_FILE = (
    "# my keys, do not lose this comment\n"
    "[default]\n"
    "aws_access_key_id = AKIADEFAULT\n"
    "; an old-style comment\n"
    "aws_secret_access_key = def\n"
    "\n"
    "# the work account\n"
    "[work]\n"
    "aws_access_key_id=AKIAWORK\n"
    "aws_secret_access_key=w\n"
)


def test_appending_a_section_keeps_every_existing_byte():
    new = IniDocument(USER_FILE).with_section("mfa", SESSION)
    assert new.startswith(USER_FILE)
    assert new[len(USER_FILE):] == ("\n[mfa]\naws_access_key_id = ASIANEW\n"
                                    "aws_secret_access_key = s3cr3t\naws_session_token = tok\n")
    assert IniDocument(new).section("mfa") == SESSION


def test_replacing_a_section_touches_only_its_key_lines():
    first = IniDocument(USER_FILE).with_section("mfa", SESSION) + "\n# trailing note\n[later]\nk = v\n"
    second = IniDocument(first).with_section("mfa", {**SESSION, "aws_session_token": "tok2"})
    assert second == first.replace("aws_session_token = tok\n", "aws_session_token = tok2\n")


def test_comments_and_foreign_keys_inside_the_section_stay():
    text = "[mfa]\n# keep me\noutput = json\naws_session_token = old\nregion = eu-west-1\n"
    new = IniDocument(text).with_section("mfa", SESSION, drop={"region"})
    assert new.splitlines()[:3] == ["[mfa]", "# keep me", "output = json"]
    assert "region" not in new
    assert IniDocument(new).section("mfa") == {"output": "json", **SESSION}


def test_crlf_and_missing_final_newline_are_respected():
    text = "[default]\r\naws_access_key_id = A\r\naws_secret_access_key = B"
    new = IniDocument(text).with_section("mfa", SESSION)
    assert new.startswith(text + "\r\n\r\n[mfa]\r\n")
    assert "\n" not in new.replace("\r\n", "")


def test_continuation_lines_belong_to_their_key():
    text = "[mfa]\naws_session_token = part1\n  part2\nfoo = bar\n"
    new = IniDocument(text).with_section("mfa", {"aws_session_token": "x"})
    assert new == "[mfa]\naws_session_token = x\nfoo = bar\n"


@pytest.mark.parametrize("text, words", [
    ("[a]\nx = 1\n[a]\ny = 2\n", "already exists"),
    ("x = 1\n[a]\n", "no section headers"),
    ("[a]\nx = 1\nx = 2\n", "already exists"),
])
def test_files_the_aws_cli_cannot_read_are_refused(text, words):
    with pytest.raises(FileProblem) as caught:
        IniDocument(text, "/home/u/.aws/credentials")
    assert words in str(caught.value) and "changed nothing" in str(caught.value)


@pytest.mark.parametrize("value", ["two\nlines", " padded", "x\r"])
def test_values_that_would_break_the_file_are_refused(value):
    with pytest.raises(FileProblem):
        IniDocument("").with_section("mfa", {"aws_session_token": value})
