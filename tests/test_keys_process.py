"""keyprocess: a source profile's credential_process run bounded, its JSON read for long-term
keys only, nothing it printed in any message. The programs are small Python scripts."""
import json
import os
import sys
import time

import pytest

from awsshell_setup.sessions import keyprocess, userprogram
from awsshell_setup.core.errors import AwsmfaError
from awsshell_setup.sessions.profiles import AwsFiles

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"


def script(tmp_path, body, name="store.py"):
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\nimport json, sys, time\n{body}\n")
    path.chmod(0o755)
    return str(path)


def printing(tmp_path, answer):
    return script(tmp_path, f"print(json.dumps({answer!r}))")


def refusal(tmp_path, command, environ=None):
    with pytest.raises(AwsmfaError) as info:
        keyprocess.long_term_keys("vault", command, environ or dict(os.environ))
    text = str(info.value)
    assert len(text.splitlines()) == 1 and "[vault]" in text
    assert SECRET not in text and "SessionTokenValue" not in text
    return text


def test_long_term_keys_are_returned_and_repr_hides_the_secret(tmp_path):
    command = printing(tmp_path, {"Version": 1, "AccessKeyId": "AKIAEXAMPLE", "SecretAccessKey": SECRET})
    keys = keyprocess.long_term_keys("vault", command + " --item 'aws key'", dict(os.environ))
    assert (keys.access_key_id, keys.secret_access_key) == ("AKIAEXAMPLE", SECRET)
    assert SECRET not in repr(keys)


def test_arguments_are_split_as_botocore_splits_them(tmp_path):
    # No shell: a quoted argument arrives as one word, and $HOME stays as written.
    command = script(tmp_path, "print(json.dumps({'Version': 1, 'AccessKeyId': sys.argv[1], "
                               "'SecretAccessKey': sys.argv[2]}))")
    keys = keyprocess.long_term_keys("vault", f"{command} 'AKIA WORDS' '$HOME'", dict(os.environ))
    assert (keys.access_key_id, keys.secret_access_key) == ("AKIA WORDS", "$HOME")


def test_a_session_token_is_refused(tmp_path):
    command = printing(tmp_path, {"Version": 1, "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": SECRET,
                                  "SessionToken": "SessionTokenValue", "Expiration": "2030-01-01T00:00:00Z"})
    assert "long-term keys" in refusal(tmp_path, command)


@pytest.mark.parametrize("answer", [
    "not json " + SECRET,
    json.dumps([SECRET]),
    json.dumps({"Version": 2, "AccessKeyId": "AKIA", "SecretAccessKey": SECRET}),
    json.dumps({"Version": 1, "AccessKeyId": "AKIA"}),
    json.dumps({"Version": 1, "AccessKeyId": "", "SecretAccessKey": SECRET}),
    json.dumps({"Version": SECRET, "AccessKeyId": "AKIA", "SecretAccessKey": SECRET}),
])
def test_what_is_not_version_1_keys_is_refused_without_quoting_it(tmp_path, answer):
    command = script(tmp_path, f"sys.stdout.write({answer!r})")
    refusal(tmp_path, command)


def test_a_failing_program_is_refused_and_its_stderr_reaches_ours(tmp_path, capfd):
    command = script(tmp_path, "sys.stderr.write('store: unlock me first\\n'); sys.exit(3)")
    assert "exit status 3" in refusal(tmp_path, command + " " + SECRET)
    assert "store: unlock me first" in capfd.readouterr().err


def test_a_missing_program_is_named_not_its_arguments(tmp_path):
    text = refusal(tmp_path, f"/nonexistent/store show {SECRET}")
    assert "/nonexistent/store" in text


def test_a_hanging_program_is_killed_within_the_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(userprogram, "_terminal_ends", lambda: (None, None))  # as under cron or CI
    child_pid = tmp_path / "child.pid"
    command = script(tmp_path, "import os, subprocess\n"
                               "p = subprocess.Popen(['sleep', '60'])\n"
                               f"open({str(child_pid)!r}, 'w').write(str(p.pid))\n"
                               "time.sleep(60)")
    started = time.monotonic()
    text = refusal(tmp_path, command, dict(os.environ, AWSMFA_KEY_PROCESS_TIMEOUT="1"))
    assert "within 1 s" in text
    assert time.monotonic() - started < 15
    # With no terminal, its whole group went: the sleep it started too.
    pid = int(child_pid.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{pid}/stat") as handle:
            if handle.read().split(")")[-1].split()[0] == "Z":
                break
        time.sleep(0.05)
    else:
        pytest.fail("the store's child outlived the bound")


def test_output_too_long_is_refused(tmp_path):
    command = script(tmp_path, "sys.stdout.write('x' * 70000)")
    refusal(tmp_path, command)


def test_process_of_reads_the_config_section(tmp_path):
    (tmp_path / "config").write_text("[profile vault]\ncredential_process = pass show aws/me\n[default]\nregion = x\n")
    files = AwsFiles({"AWS_CONFIG_FILE": str(tmp_path / "config"),
                      "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"), "HOME": str(tmp_path)})
    assert keyprocess.process_of(files, "vault") == "pass show aws/me"
    assert keyprocess.process_of(files, "default") is None


def test_source_profile_takes_the_keys_from_the_process_and_the_rest_from_the_config(tmp_path):
    command = printing(tmp_path, {"Version": 1, "AccessKeyId": "AKIAEXAMPLE", "SecretAccessKey": SECRET})
    (tmp_path / "config").write_text(f"[profile vault]\ncredential_process = {command}\nregion = eu-west-1\n"
                                     "mfa_serial = arn:aws:iam::123456789012:mfa/me\n")
    environ = dict(os.environ, AWS_CONFIG_FILE=str(tmp_path / "config"),
                   AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"), HOME=str(tmp_path))
    source = keyprocess.source_profile(AwsFiles(environ), "vault")
    assert (source.name, source.access_key_id, source.secret_access_key) == ("vault", "AKIAEXAMPLE", SECRET)
    assert (source.mfa_serial, source.region) == ("arn:aws:iam::123456789012:mfa/me", "eu-west-1")
    assert SECRET not in repr(source)
    assert not (tmp_path / "credentials").exists()
