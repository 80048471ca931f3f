"""More than one MFA device: the pick on a real terminal (a pexpect pty), the offer to remember
it as mfa_serial, and the refusal without a terminal (docs/ARCHITECTURE.md §4: refuse early;
users' files are sacred).

Each terminal test runs devicechoice.choose in a child on a pseudo-terminal, as `mfa` runs
awsmfa, and reads its answer from a file (the terminal carries only what the user sees).
"""
import json
import os
import stat
import subprocess
import sys

import pexpect
import pytest

from awsshell_setup.sessions import devicechoice
from awsshell_setup.core.errors import Cancelled, ProfileProblem

PHONE = "arn:aws:iam::123456789012:mfa/phone"
YUBIKEY = "arn:aws:iam::123456789012:mfa/yubikey"
# A device name with a terminal escape (set the window title) and a newline: shown escaped.
HOSTILE = "arn:aws:iam::123456789012:mfa/evil\x1b]0;owned\x07\nfake"
DEVICES = [PHONE, YUBIKEY, HOSTILE]

CONFIG = """# my settings
[default]
region = eu-west-1

[profile work]
region = us-east-1
output = json
; a comment in work

[profile other]
region = ap-south-1
"""

CHILD = """
import json, os, sys
from awsshell_setup.sessions import devicechoice
from awsshell_setup.core.errors import AwsmfaError
devices, source, out = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
try:
    serial, how = devicechoice.choose(devices, source, dict(os.environ))
    result = {"serial": serial, "how": how}
except AwsmfaError as error:
    result = {"error": type(error).__name__, "message": str(error)}
with open(out, "w") as handle:
    json.dump(result, handle)
"""


@pytest.fixture
def home(tmp_path):
    aws = tmp_path / "home" / ".aws"
    aws.mkdir(parents=True, mode=0o700)
    config = aws / "config"
    config.write_text(CONFIG)
    config.chmod(0o640)
    return tmp_path / "home"


def environ(home):
    return {"HOME": str(home), "PATH": os.environ["PATH"], "TERM": "xterm", "LANG": "C.UTF-8",
            "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials")}


def spawn(home, source="work", devices=DEVICES):
    out = home / "result.json"
    child = pexpect.spawn(sys.executable, ["-c", CHILD, json.dumps(devices), source, str(out)],
                          env=environ(home), encoding="utf-8", timeout=30, dimensions=(40, 200))
    return child, out


def finish(child, out):
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return json.loads(out.read_text())


def config_of(home):
    return (home / ".aws" / "config").read_text()


def test_the_user_picks_a_device_and_it_is_remembered_in_one_line_of_the_profile(home):
    child, out = spawn(home)
    child.expect_exact("has 3 MFA devices:")
    child.expect_exact(f"1) {PHONE}")
    child.expect_exact(f"2) {YUBIKEY}")
    child.expect_exact("Which one? [1-3]: ")
    shown = child.before
    child.sendline("2")
    child.expect_exact("One line is added to [profile work] in ~/.aws/config:")
    child.expect_exact(f"+ mfa_serial = {YUBIKEY}")
    child.expect_exact("remember it? [y/N] ")
    child.sendline("y")
    result = finish(child, out)
    assert result == {"serial": YUBIKEY, "how": "chosen at the prompt, remembered as mfa_serial in ~/.aws/config"}
    # The hostile name reached the terminal escaped: no escape sequence, no forged line.
    assert "\x1b]0;" not in shown and "\\x1b]0;owned\\x07\\nfake" in shown
    expected = CONFIG.replace("output = json\n", f"output = json\nmfa_serial = {YUBIKEY}\n")  # after its last key
    assert config_of(home) == expected
    assert stat.S_IMODE(os.stat(home / ".aws" / "config").st_mode) == 0o640


def test_no_to_the_offer_uses_the_device_and_writes_nothing(home):
    child, out = spawn(home)
    child.expect_exact("Which one? [1-3]: ")
    child.sendline("1")
    child.expect_exact("remember it? [y/N] ")
    child.sendline("")
    assert finish(child, out) == {"serial": PHONE, "how": "chosen at the prompt"}
    assert config_of(home) == CONFIG


def test_a_wrong_number_is_asked_again_and_an_empty_answer_cancels(home):
    child, out = spawn(home)
    child.expect_exact("Which one? [1-3]: ")
    child.sendline("4")
    child.expect_exact("Type a number from 1 to 3.")
    child.expect_exact("Which one? [1-3]: ")
    child.sendline("")
    result = finish(child, out)
    assert result["error"] == "Cancelled" and "no MFA device chosen" in result["message"]
    assert config_of(home) == CONFIG


def test_ctrl_c_at_the_list_cancels_and_writes_nothing(home):
    child, out = spawn(home)
    child.expect_exact("Which one? [1-3]: ")
    child.sendintr()
    result = finish(child, out)
    assert result["error"] == "Cancelled"
    assert config_of(home) == CONFIG


def test_default_profile_without_a_section_gets_a_new_default_section(home):
    (home / ".aws" / "config").write_text("[profile other]\nregion = ap-south-1\n")
    child, out = spawn(home, source="default", devices=[PHONE, YUBIKEY])
    child.expect_exact("Which one? [1-2]: ")
    child.sendline("1")
    child.expect_exact("One line is added to [default] in ~/.aws/config:")
    child.expect_exact("remember it? [y/N] ")
    child.sendline("yes")
    assert finish(child, out)["serial"] == PHONE
    assert config_of(home) == f"[profile other]\nregion = ap-south-1\n\n[default]\nmfa_serial = {PHONE}\n"


def test_without_a_terminal_the_refusal_lists_the_devices_and_the_two_ways_out(home):
    out = home / "result.json"
    # No controlling terminal (a new session), no stdin: cron, cloud-init, a credential_process.
    subprocess.run([sys.executable, "-c", CHILD, json.dumps(DEVICES), "work", str(out)], env=environ(home),
                   stdin=subprocess.DEVNULL, capture_output=True, start_new_session=True, timeout=30, check=True)
    result = json.loads(out.read_text())
    assert result["error"] == "ProfileProblem"
    message = result["message"]
    assert "\n" not in message and "\x1b" not in message
    assert PHONE in message and YUBIKEY in message and "\\x1b]0;owned" in message
    assert "--serial-number ARN" in message and "mfa_serial in [profile work] of ~/.aws/config" in message
    assert message.endswith("awsmfa asked for no code and changed nothing")
    assert config_of(home) == CONFIG


# Against files: the write itself (locked, atomic, mode kept, through links, one line).

def answers(*lines):
    queue = list(lines)
    return lambda prompt: queue.pop(0)


def test_a_section_written_with_quotes_is_the_one_that_gets_the_line(home):
    config = home / ".aws" / "config"
    config.write_text('[profile "work"]\r\nregion = us-east-1\r\n[profile other]\r\nregion = x\r\n')
    serial, how = devicechoice.choose([PHONE, YUBIKEY], "work", environ(home), ask=answers("2", "y"))
    assert serial == YUBIKEY
    assert config.read_bytes() == (f'[profile "work"]\r\nregion = us-east-1\r\nmfa_serial = {YUBIKEY}\r\n'
                                   '[profile other]\r\nregion = x\r\n').encode()


def test_a_symlinked_config_stays_a_link_and_a_new_config_is_0600(home, tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "config").write_text(CONFIG)
    (dotfiles / "config").chmod(0o644)
    link = home / ".aws" / "config"
    link.unlink()
    link.symlink_to(dotfiles / "config")
    devicechoice.choose([PHONE, YUBIKEY], "other", environ(home), ask=answers("1", "y"))
    assert link.is_symlink()
    assert (dotfiles / "config").read_text() == CONFIG + f"mfa_serial = {PHONE}\n"
    assert stat.S_IMODE(os.stat(dotfiles / "config").st_mode) == 0o644

    link.unlink()
    devicechoice.choose([PHONE, YUBIKEY], "work", environ(home), ask=answers("2", "y"))
    assert link.read_text() == f"[profile work]\nmfa_serial = {YUBIKEY}\n"
    assert stat.S_IMODE(os.stat(link).st_mode) == 0o600


def test_a_config_that_cannot_be_written_is_not_offered(home, capsys):
    folder = home / ".aws"
    (folder / "config").write_text("[profile work]\nregion = x\n[profile work]\nregion = y\n")  # unparsable
    asked = []

    def ask(prompt):
        asked.append(prompt)
        return "1"

    serial, how = devicechoice.choose([PHONE, YUBIKEY], "work", environ(home), ask=ask)
    assert (serial, how) == (PHONE, "chosen at the prompt")
    assert asked == ["Which one? [1-2]: "]  # no offer to remember
    assert "cannot remember the choice in ~/.aws/config" in capsys.readouterr().err


def test_an_unprintable_serial_is_used_but_never_offered_for_the_file(home):
    asked = []

    def ask(prompt):
        asked.append(prompt)
        return "3"

    assert devicechoice.choose(DEVICES, "work", environ(home), ask=ask) == (HOSTILE, "chosen at the prompt")
    assert len(asked) == 1 and config_of(home) == CONFIG


def test_one_device_needs_no_question():
    def ask(prompt):
        raise AssertionError("asked")

    assert devicechoice.choose([PHONE], "work", {}, ask=ask) == (PHONE, "found with iam:ListMFADevices")


def test_kinds_of_errors_are_the_existing_ones():
    assert issubclass(devicechoice.ProfileProblem, ProfileProblem)
    assert devicechoice.Cancelled is Cancelled
