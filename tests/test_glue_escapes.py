"""An mfa_serial (and every name) from a user's file or program reaches the terminal escaped
(paths.printable, docs/ARCHITECTURE.md §4): the code prompt, the device line and the summary
of env/login, the --debug lines and the error line. A hostile serial holds ESC (a CSI that
clears the screen, an OSC that sets the title), a C1 CSI, BEL, BS and, where a value can hold
one (an option, a program's output), CR: what reaches the pty has none of them raw.
"""
import io
import sys

import pexpect

from awsenv import LONG_TERM, offline_user

# What a config file can hold in a value (a CR ends its line for every reader, botocore's too).
IN_A_FILE = "arn:aws:iam::123456789012:mfa/evil\x1b[2J\x1b]0;owned\x07\x9b31m\x08fake"
# What an option or a program's output can hold besides.
WITH_CR = IN_A_FILE + "\rawsmfa: all in place"


def spawn(args, **options):
    """A child on a pty whose whole output is kept in child.seen (a StringIO)."""
    child = pexpect.spawn(sys.executable, args, encoding="utf-8", timeout=60, dimensions=(40, 250), **options)
    child.seen = child.logfile_read = io.StringIO()
    return child


def raw_controls(text):
    """The control characters in what a pty carried (its own CR LF line ends aside)."""
    return sorted({char for char in text.replace("\r\n", "\n")
                   if not char.isprintable() and char not in "\n\t"})


def test_the_prompt_the_debug_lines_and_the_error_escape_a_hostile_mfa_serial(tmp_path):
    user = offline_user(tmp_path / "home", credentials=LONG_TERM,
                        config=f"[default]\nregion = eu-west-1\nmfa_serial = {IN_A_FILE}\n")
    child = spawn(["-m", "awsshell_setup", "--debug", "env", "--shell", "bash"], env=user.environ(TERM="xterm"))
    child.expect_exact("MFA code for ")
    child.expect_exact(": ")
    child.sendline("123456")
    child.expect(pexpect.EOF)
    child.close()
    said = child.seen.getvalue()
    assert child.exitstatus != 0 and "cannot reach" in said, said  # the local AWS is closed: an error line
    assert raw_controls(said) == [], said
    assert "mfa/evil\\x1b[2J\\x1b]0;owned\\x07\\x9b31m\\x08fake" in said  # shown, escaped, on the prompt
    assert said.count("\\x1b[2J") >= 2, said  # the prompt and the debug line of the device


def test_the_prompt_escapes_a_cr_in_the_serial(tmp_path):
    out = tmp_path / "code"
    program = ("import sys\nfrom awsshell_setup.sessions import codeprompt\n"
               f"open({str(out)!r}, 'w').write(codeprompt.prompt_for_code({WITH_CR!r}))\n")
    child = spawn(["-c", program])
    child.expect_exact("MFA code for ")
    child.expect_exact("fake\\rawsmfa: all in place: ")
    child.sendline("123 456")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and out.read_text() == "123456"
    assert raw_controls(child.seen.getvalue()) == [], child.seen.getvalue()


def test_the_device_line_and_the_summary_escape_what_they_print(tmp_path):
    """cli._report, the lines of env and login: the device, where it came from, the profiles."""
    program = f"""
import datetime as dt
from awsshell_setup import cli
from awsshell_setup.sessions import rules
from awsshell_setup.core import timeutil
from awsshell_setup.sessions.profiles import Credentials
end = timeutil.now() + dt.timedelta(hours=1)
outcome = rules.Outcome(Credentials("ASIAX", "secret", "token", end), {WITH_CR!r}, "ops\\x1b[2J-mfa",
                               False, "/tmp/credentials", serial={WITH_CR!r}, serial_how="mfa_serial\\x07 in x")
cli._report(outcome, quiet=False)
outcome.role_arn, outcome.mfa_profile, outcome.mfa_expiration = {WITH_CR!r}, "base\\x07-mfa", end
outcome.renewing_profile = "ops\\x9b-mfa-auto"
cli._report(outcome, quiet=False)
"""
    child = spawn(["-c", program])
    child.expect(pexpect.EOF)
    child.close()
    said = child.seen.getvalue()
    assert child.exitstatus == 0, said
    assert raw_controls(said) == [], said
    assert "awsmfa: MFA device arn:aws:iam::123456789012:mfa/evil\\x1b[2J" in said
    assert said.count("fake\\rawsmfa: all in place") >= 3  # the device, the source, the role


def test_aws_refusing_a_hostile_device_is_said_escaped(local_aws, seed_user, tmp_path):
    """The error line (cli._said, the one boundary for errors) names the device AWS refused."""
    from awsenv import AwsUser, seed_user_files

    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, seed_user, serial_in=None)
    with open(user.config, "a") as handle:
        handle.write(f"mfa_serial = {IN_A_FILE}\n")
    child = spawn(["-m", "awsshell_setup", "env", "--shell", "bash", "--token-code", "123456"],
                  env=user.environ(TERM="xterm"))
    child.expect(pexpect.EOF)
    child.close()
    said = child.seen.getvalue()
    assert child.exitstatus != 0 and "awsmfa: error:" in said and "mfa/evil\\x1b[2J" in said, said
    assert raw_controls(said) == [], said
