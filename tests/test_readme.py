"""The README, typed as written into a real interactive bash: its first line (install with
pipx on Debian's own Python, set up the shell, get a session) and its walk-through.

If these pass, a newcomer with only the README gets there. (Its second line, the test command,
is what .ci/run runs: CI proves it on every run.)
"""
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pexpect
import pytest

from awscli import clean_environment
from awsenv import AwsUser, seed_user_files
from shellkit import SKEL_BASHRC, SKEL_PROFILE

README = Path(__file__).resolve().parent.parent / "README.md"


def walkthrough():
    text = README.read_text()
    section = text.split("## Try it against a local AWS", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    # The install line is the test's own installation's to keep: this virtualenv has the extras.
    return [line for line in block.splitlines() if line.strip() and not line.startswith("pip install")]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_lines():
    """The first code block's lines, each without its comment."""
    block = re.search(r"```sh\n(.*?)```", README.read_text(), re.S).group(1)
    return [line.split("   #")[0].strip() for line in block.splitlines()]


def test_readme_first_lines_name_install_and_test_commands():
    install, tests = first_lines()[:2]
    assert "awsmfa install" in install and "awsmfa env" in install
    assert "pytest" in tests


def _repository_copy(tmp_path):
    """The repository as a newcomer's clone has it (pip builds in the source folder: a copy
    keeps parallel tests out of each other's build/)."""
    root = README.parent
    copy = tmp_path / "awsmfa"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__",
                                                              ".hypothesis", ".pytest_cache"))
    return copy


def test_the_first_line_installs_sets_up_the_shell_and_exports_a_session(tmp_path, local_aws, seed_user):
    """On Debian's own Python with Debian's pipx (PATH as on a fresh machine: /usr/bin first, no
    virtualenv), in a new home: install, `awsmfa install` (answering its question), then
    `eval "$(awsmfa env)"` asking for the code. Afterwards a new login shell has `mfa` and finds
    awsmfa, and this shell holds the session."""
    for tool in ("pipx", "bash"):
        if shutil.which(tool, path="/usr/bin:/bin") is None:
            pytest.fail(f"{tool} is missing: .ci/run installs it (apt-get install {tool})", pytrace=False)
    line = first_lines()[0]
    home = tmp_path / "newcomer"
    home.mkdir()
    shutil.copyfile(SKEL_BASHRC, home / ".bashrc")
    shutil.copyfile(SKEL_PROFILE, home / ".profile")
    seed_user_files(AwsUser(home), seed_user)
    env = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin", "TERM": "xterm", "LANG": "C.UTF-8",
           "AWS_ENDPOINT_URL": local_aws.endpoint_url, "AWS_EC2_METADATA_DISABLED": "true",
           # pip's download cache, so the run does not fetch boto3 again each time (not state).
           "PIP_CACHE_DIR": os.path.join(os.path.expanduser("~"), ".cache", "pip")}
    shell = pexpect.spawn("bash", ["-i"], env=env, encoding="utf-8", timeout=240, cwd=str(_repository_copy(tmp_path)),
                          dimensions=(50, 250))
    shell.sendline("PS1='$ '")
    shell.sendline(line)
    shell.expect_exact("go ahead? [Y/n]")
    shell.sendline("y")
    shell.expect(r"MFA code for arn:aws:iam::\d+:mfa/trainee: ")
    shell.sendline(local_aws.fresh_code(seed_user.serial_number))
    shell.sendline('echo "STATUS=$? PROFILE=$AWS_PROFILE TOKEN=${#AWS_SESSION_TOKEN}"')
    shell.expect(r"STATUS=(\d+) PROFILE=(\S*) TOKEN=(\d+)")
    status, profile, token = shell.match.groups()
    transcript = shell.before
    shell.sendline("exit")
    shell.expect(pexpect.EOF, timeout=30)
    assert (status, profile) == ("0", "mfa") and int(token) > 0, transcript
    python = os.path.realpath(next((home / ".local" / "pipx" / "venvs").iterdir()) / "bin" / "python")
    assert python.startswith("/usr/bin/python3"), python  # Debian's Python, not a virtualenv's
    login = subprocess.run(["bash", "-l", "-i", "-c", "type -t mfa; command -v awsmfa"], env=env, capture_output=True,
                           text=True, timeout=60, stdin=subprocess.DEVNULL, cwd=str(home))
    assert login.stdout.split() == ["function", str(home / ".local" / "bin" / "awsmfa")], login.stdout + login.stderr


def test_the_seed_walkthrough_works_as_written(tmp_path):
    port, demo = str(free_port()), str(tmp_path / "demo")
    lines = [line.replace("4566", port).replace("/tmp/demo", demo) for line in walkthrough()]
    shell = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"],
                          env={**clean_environment(tmp_path), "PS1": "$ "}, encoding="utf-8",
                          timeout=90, cwd=str(tmp_path))
    transcript = {}
    code = None
    for number, line in enumerate(lines):
        shell.sendline(line)
        if "localaws serve" in line:
            shell.expect_exact("localaws: MFA codes")  # the server is up once it printed its lines
        if line.startswith("awsmfa login"):
            shell.expect_exact("MFA code for arn:aws:iam::123456789012:mfa/trainee: ")
            shell.sendline(code)
        # A marker the typed command's echo cannot match ($? is still unexpanded there).
        shell.sendline(f"echo STATUS=$? END{number}")
        shell.expect(rf"STATUS=(\d+) END{number}\r\n")
        transcript[line] = shell.before + f"\nSTATUS={shell.match.group(1)}"
        if "localaws code" in line:
            code = re.findall(r"^(\d{6})\r$", shell.before, re.M)[-1]
    shell.sendline("exit")
    shell.expect(pexpect.EOF, timeout=30)

    def outcome(start):
        return next(value for key, value in transcript.items() if key.startswith(start))

    assert "STATUS=0" in outcome("aws ec2 describe-instances  ")
    assert "UnauthorizedOperation" in outcome('aws ec2 stop-instances --instance-ids "$INSTANCE"  ')
    assert "new session in profile [mfa]" in outcome("awsmfa login")
    stopped = outcome('aws ec2 stop-instances --instance-ids "$INSTANCE" --profile mfa')
    assert "stopping" in stopped and "STATUS=0" in stopped
    assert "STATUS=0" in outcome('eval "$(awsmfa env)"')
    assert "STATUS=0" in outcome("aws ec2 describe-instances                               # ...every")
    assert "STATUS=0" in outcome("kill %1")  # the walk-through stops the server it started
