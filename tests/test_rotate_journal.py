"""rotatejournal: each step's write keeps the credentials file byte for byte outside the
profile's two key lines once the rotation ends, whatever the file looks like (CRLF, no final
newline, the profile in the middle, comments inside it), stays 0600 and a symlink, and refuses
to write when the profile's key changed under it."""
import os

import pytest

from awsshell_setup.sessions import rotatejournal
from awsshell_setup.core.errors import ProfileProblem
from awsshell_setup.sessions.iamkeys import NewKey
from awsshell_setup.sessions.profiles import AwsFiles

SHAPES = {
    "plain": "[default]\naws_access_key_id = AKIAOLD\naws_secret_access_key = oldsecret\n",
    "crlf": "[default]\r\naws_access_key_id = AKIAOLD\r\naws_secret_access_key = oldsecret\r\n\r\n[b]\r\nx = 1\r\n",
    "no final newline": "# keys\n[default]\naws_access_key_id=AKIAOLD\naws_secret_access_key=oldsecret",
    "in the middle": ("[a]\naws_access_key_id = AKIAA\n\n[default]\n; mine\naws_access_key_id = AKIAOLD\n"
                      "region = eu-west-1\naws_secret_access_key = oldsecret\n# end of default\n\n[c]\ny = 2\n"),
}


def environ(tmp_path):
    return {"HOME": str(tmp_path), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / ".aws" / "credentials"),
            "AWS_CONFIG_FILE": str(tmp_path / ".aws" / "config")}


def setup(tmp_path, text, link=False):
    folder = tmp_path / ".aws"
    folder.mkdir()
    target = folder / ("real-credentials" if link else "credentials")
    target.write_bytes(text.encode())
    os.chmod(target, 0o644)
    if link:
        os.symlink("real-credentials", folder / "credentials")
    return environ(tmp_path), target


def expected(text):
    """The original with only the two key values changed (a line the writer rewrites comes out
    as `key = value` with the line's own ending)."""
    out = []
    for line in text.splitlines(keepends=True):
        ending = line[len(line.rstrip("\r\n")):]
        key = line.split("=")[0].strip()
        if key == "aws_access_key_id" and "AKIAOLD" in line:
            line = "aws_access_key_id = AKIANEW" + ending
        elif key == "aws_secret_access_key" and "oldsecret" in line:
            line = "aws_secret_access_key = newsecret" + ending
        out.append(line)
    return "".join(out)


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("link", [False, True])
def test_a_whole_rotation_changes_only_the_two_key_lines(tmp_path, shape, link):
    env, target = setup(tmp_path, SHAPES[shape], link)
    started = rotatejournal.start(env, "default", "AKIAOLD")
    journal = rotatejournal.read(AwsFiles(env), "default")
    assert journal.started is not None and journal.pending_id is None
    rotatejournal.pending(env, "default", "AKIAOLD", started, NewKey("AKIANEW", "newsecret"))
    journal = rotatejournal.read(AwsFiles(env), "default")
    assert (journal.active_id, journal.pending_id, journal.pending_secret) == ("AKIAOLD", "AKIANEW", "newsecret")
    assert "newsecret" not in repr(journal)
    rotatejournal.activate(env, "default", "AKIAOLD", "AKIANEW", "newsecret")
    journal = rotatejournal.read(AwsFiles(env), "default")
    assert (journal.active_id, journal.pending_id, journal.retired_id) == ("AKIANEW", None, "AKIAOLD")
    rotatejournal.finish(env, "default", "AKIANEW")
    assert target.read_bytes().decode() == expected(SHAPES[shape])
    assert rotatejournal.read(AwsFiles(env), "default").empty
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert os.path.islink(tmp_path / ".aws" / "credentials") == link


def test_a_key_changed_under_it_is_not_overwritten(tmp_path):
    env, target = setup(tmp_path, SHAPES["plain"])
    rotatejournal.start(env, "default", "AKIAOLD")
    changed = target.read_text().replace("AKIAOLD", "AKIAMINE")
    target.write_text(changed)
    with pytest.raises(ProfileProblem) as info:
        rotatejournal.pending(env, "default", "AKIAOLD", "2026-01-01T00:00:00Z", NewKey("AKIANEW", "newsecret"))
    assert "changed while awsmfa was rotating" in str(info.value)
    assert target.read_text() == changed
