"""What an account's files and programs can send to root's terminal through `--user` (a real
unprivileged account; docs/ARCHITECTURE.md §4, "What runs as which user").

The account writes terminal control sequences wherever `status --user` and `install --user
--dry-run` show something of its own: its aws_completer's error output, the answer its login
shell gives for `command -v awsmfa` (an alias), the names in its credentials file, and the
lines of its startup file that the diff shows. ESC starts CSI (erase a line, move the cursor)
and OSC (set the title; some terminals answer a query by typing into root's shell), BEL ends
an OSC, CR rewrites a line from its start, C1's CSI (0x9b) does what ESC [ does. None of them
may reach root's terminal raw: each is shown escaped, so the line still says what is there.
"""
import subprocess
import sys

from awsshell_setup.shells import rcblock
from awsshell_setup import shells

from accounts import account  # noqa: F401 (fixture)
from shellkit import base_env, new_home

# ESC [ 2K (erase line), ESC ] 0 ; ... BEL (title), CR, BS, C1 CSI, a bidi override.
NASTY = "\x1b[2K\x1b]0;owned\x07\r\x08\x9b1A\u202e"
RAW = ("\x1b", "\x07", "\r", "\x08", "\x9b", "\u202e")


# The credentials file takes no CR (it is refused as old Mac line endings): the rest of it.
IN_NAMES = NASTY.replace("\r", "")


def _plant(account, block=False):
    completer = account.write(".local/bin/aws_completer",
                              f"#!/bin/sh\nprintf '%s all in place\\n' '{NASTY}' >&2\nexit 1\n", mode=0o755)
    with open(account.path(".bashrc"), "a", encoding="utf-8") as handle:
        handle.write(f"alias awsmfa='echo {NASTY}'\n# {NASTY} the end\n")
        if block:  # `awsmfa init bash --completer ~/.local/bin/aws_completer >> ~/.bashrc`
            shell = shells.by_name("bash")
            handle.write(rcblock.block_text(shell.render(shell.sections(True), completer)))
    account.write(".aws/credentials",
                  "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n"
                  f"[ops{IN_NAMES}-mfa]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n"
                  f"aws_session_token = y\nawsmfa_source_profile = ops{IN_NAMES}\n"
                  "awsmfa_role_arn = arn:aws:iam::111111111111:role/ops\n"
                  "awsmfa_expiration = 2099-01-01T00:00:00Z\n", mode=0o600)


def _run_as_root(tmp_path, *args):
    env = base_env(new_home(tmp_path, "roothome"))
    result = subprocess.run([sys.executable, "-m", "awsshell_setup", *args], env=env, capture_output=True,
                            timeout=180, stdin=subprocess.DEVNULL)
    return result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")


def _raw_in(output):
    return [(char, output[max(0, at - 40):at + 10]) for at, char in enumerate(output) if char in RAW]


def test_status_for_an_account_shows_its_control_characters_escaped(account, tmp_path):
    _plant(account, block=True)
    output = _run_as_root(tmp_path, "status", "--user", account.name, "--shell", "bash")
    assert "Traceback" not in output, output
    assert not _raw_in(output), _raw_in(output)[:5]
    # Still shown, escaped: the completer's complaint and the alias the login shell answers.
    assert "\\x08\\x9b1A\\u202e all in place" in output, output  # after the CR: its last line
    assert "alias awsmfa=" in output and "\\x1b]0;owned\\x07" in output.split("alias awsmfa=")[1], output


def test_install_dry_run_for_an_account_shows_its_lines_escaped(account, tmp_path):
    _plant(account)
    output = _run_as_root(tmp_path, "install", "--user", account.name, "--shell", "bash", "--dry-run",
                          "--no-completion")
    assert "Traceback" not in output, output
    assert "dry run: nothing was written" in output, output
    assert not _raw_in(output), _raw_in(output)[:5]
    # (click takes CSI sequences out of what goes to a pipe, as here: not OSC, nor the rest.)
    assert "\\x1b]0;owned\\x07\\r\\x08\\x9b1A\\u202e the end" in output, output


def test_on_roots_terminal_too_nothing_arrives_raw(account, tmp_path):
    # On a terminal click leaves CSI sequences in (it strips them only for a pipe): the escape
    # at the child's output boundary is all there is.
    import pexpect

    _plant(account, block=True)
    env = base_env(new_home(tmp_path, "roothome"))
    child = pexpect.spawn(sys.executable, ["-m", "awsshell_setup", "status", "--user", account.name, "--shell",
                                           "bash"], env=env, encoding="utf-8", codec_errors="replace", timeout=180)
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    assert "Traceback" not in output and "not all in place" in output, output
    output = output.replace("\r\n", "\n")  # the terminal's own line ends
    assert not _raw_in(output), _raw_in(output)[:5]
    assert "\\x1b[2K\\x1b]0;owned\\x07" in output, output
