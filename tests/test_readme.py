"""The README's walk-through, typed line by line into a real interactive bash.

If this passes, a newcomer with only the README reproduces the seed scenario.
"""
import re
import socket
from pathlib import Path

import pexpect

from awscli import clean_environment

README = Path(__file__).resolve().parent.parent / "README.md"


def walkthrough():
    text = README.read_text()
    section = text.split("## Try it against a local AWS", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("python3 -m pip")]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_readme_first_lines_name_install_and_test_commands():
    first_block = re.search(r"```sh\n(.*?)```", README.read_text(), re.S).group(1).splitlines()
    assert first_block[0].startswith("python3 -m pip install . && awsmfa install")
    assert "pytest" in first_block[1]


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
