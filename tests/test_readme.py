"""The README and the walk-through it links, typed as written: the README's first line (install
with pipx on Debian's own Python, set up the shell, get a session) into a real bash, and
docs/walkthrough.md into real bash, zsh and fish. Also what keeps the README a three-minute
read: under 200 lines, every document it names one click away, no TOTP seed in an argv.

If these pass, a newcomer with only the README gets there. (Its second line, the test command,
is what .ci/run runs: CI proves it on every run.)
"""
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pexpect
import pytest

from awscli import clean_environment
from awsenv import AwsUser, seed_user_files
from shellkit import DRIVERS, PROMPT, SKEL_BASHRC, SKEL_PROFILE, require_shell

README = Path(__file__).resolve().parent.parent / "README.md"
DOCS = README.parent / "docs"
WALKTHROUGH = DOCS / "walkthrough.md"


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


# --- What keeps the README short, and every moved section one click away --------------------

LINKED_DOCS = ("docs/usage.md", "docs/roles.md", "docs/fleets.md", "docs/walkthrough.md", "docs/guarantees.md",
               "docs/security.md", "docs/testing.md", "docs/keys.md")


def markdown_links(path):
    """(target file relative to the repository, anchor) of each relative link in a document."""
    found = []
    for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text()):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path.resolve()
        found.append((os.path.relpath(resolved, README.parent), anchor))
    return found


def anchors_of(path):
    """GitHub's anchors for a document's headings: lowercased, punctuation dropped, blanks to -."""
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in re.findall(r"^#{1,6} (.*)$", path.read_text(), re.M)}


def test_the_readme_reads_in_three_minutes_and_links_every_document():
    lines = README.read_text().splitlines()
    assert len(lines) < 200, len(lines)
    targets = {target for target, _ in markdown_links(README)}
    assert set(LINKED_DOCS) <= targets, sorted(set(LINKED_DOCS) - targets)


@pytest.mark.parametrize("document", ["README.md"] + sorted(f"docs/{p.name}" for p in DOCS.glob("*.md")))
def test_every_link_between_the_documents_leads_somewhere(document):
    for target, anchor in markdown_links(README.parent / document):
        path = README.parent / target
        assert path.exists(), f"{document} links {target}, which does not exist"
        if anchor and path.suffix == ".md":
            assert anchor in anchors_of(path), f"{document} links {target}#{anchor}: no such heading"


def test_no_document_shows_a_totp_seed_on_a_command_line():
    """/proc/PID/cmdline is readable by every local user: a seed goes to oathtool on stdin."""
    for path in [README] + sorted(DOCS.glob("*.md")):
        for key in re.findall(r"oathtool [^`'\n|]*?(?:-b|--base32) +([^\s`']+)", path.read_text()):
            assert key == "-", f"{path.name}: oathtool with the seed {key} in its arguments"


# --- The walk-through, in bash, zsh and fish ------------------------------------------------

INSTALL_LINE = re.compile(r"^python3 -m venv .* install .*'\.\[localaws\]'.*$", re.M)
STATUS = {"bash": "echo STATUS=$? END{}", "zsh": "echo STATUS=$? END{}", "fish": "echo STATUS=$status END{}"}
# Each shell as a newcomer's, but without the developer's startup files.
ARGV = {"bash": ["bash", "--norc", "--noprofile", "-i"], "zsh": ["zsh", "-f", "-i"], "fish": ["fish", "--no-config", "-i"]}


def server_stopped(port, wait=15):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return True
        time.sleep(0.2)
    return False


def walkthrough_lines(shell):
    """The lines of the walk-through's block for `shell` (```sh for bash and zsh, ```fish)."""
    fence = "fish" if shell == "fish" else "sh"
    blocks = re.findall(rf"^```{fence}\n(.*?)^```", WALKTHROUGH.read_text(), re.S | re.M)
    assert len(blocks) == 1, f"docs/walkthrough.md should have one ```{fence} block"
    return [line for line in blocks[0].splitlines() if line.strip()]


def test_the_walkthrough_blocks_say_the_same_in_each_syntax():
    posix, fish = walkthrough_lines("bash"), walkthrough_lines("fish")
    assert len(posix) == len(fish)
    # One install line for every shell: the fixture below runs it as written, once.
    assert [line for line in posix if INSTALL_LINE.match(line)] == [line for line in fish if INSTALL_LINE.match(line)]
    assert len(INSTALL_LINE.findall("\n".join(posix))) == 1


@pytest.fixture(scope="module")
def walkthrough_venv(tmp_path_factory):
    """The walk-through's install line, run as written by Debian's own Python in bash from a
    clone of the repository (a minute or more: pip fetches moto and the AWS CLI), once; each
    shell's run then links its `$demo/venv` to it instead of installing again."""
    root = tmp_path_factory.mktemp("walkthrough")
    (line,) = [line for line in walkthrough_lines("bash") if INSTALL_LINE.match(line)]
    env = {"HOME": str(root), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "demo": str(root),
           **{key: value for key, value in os.environ.items() if key.startswith("PIP_")},
           "PIP_CACHE_DIR": os.path.join(os.path.expanduser("~"), ".cache", "pip")}
    result = subprocess.run(["bash", "-c", line], cwd=str(_repository_copy(root)), env=env, capture_output=True,
                            text=True, timeout=900, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-3000:]
    venv = root / "venv"
    assert os.path.realpath(venv / "bin" / "python").startswith("/usr/bin/python3")
    return venv


# One worker for the three shells (pytest-xdist's loadgroup): the module fixture installs once.
@pytest.mark.xdist_group("readme_walkthrough")
@pytest.mark.parametrize("shell_name", ["bash", "zsh", "fish"])
def test_the_walkthrough_works_as_written(shell_name, walkthrough_venv, tmp_path):
    require_shell(shell_name)
    port = str(free_port())
    lines = []
    for line in walkthrough_lines(shell_name):
        if INSTALL_LINE.match(line):
            line = f'ln -s {walkthrough_venv} "$demo/venv"'  # installed once, as written, by the fixture
        lines.append(line.replace("4566", port))
    env = {"HOME": str(tmp_path), "PATH": "/usr/local/bin:/usr/bin:/bin", "TERM": "xterm", "LANG": "C.UTF-8",
           "TMPDIR": str(tmp_path)}
    shell = pexpect.spawn(ARGV[shell_name][0], ARGV[shell_name][1:], env=env, encoding="utf-8", timeout=90,
                          cwd=str(tmp_path), dimensions=(50, 250))
    shell.sendline(DRIVERS[shell_name].prompt_command(PROMPT))
    shell.expect_exact(PROMPT)
    transcript = []
    code = None
    for number, line in enumerate(lines):
        shell.sendline(line)
        if "localaws serve" in line:
            shell.expect_exact("localaws: MFA codes")  # the server is up once it printed its lines
        if line.startswith("awsmfa login"):
            shell.expect_exact("MFA code for arn:aws:iam::123456789012:mfa/trainee: ")
            shell.sendline(code)
        if "localaws code" in line:
            # Read the code before typing the next line: a line typed ahead is echoed by the
            # terminal as it arrives, and on a busy machine its echo can land before the code
            # on the same screen line.
            shell.expect(r"(?<!\d)(\d{6})\r\n")
            code = shell.match.group(1)
        # A marker the typed command's echo cannot match ($? is still unexpanded there).
        shell.sendline(STATUS[shell_name].format(number))
        shell.expect(rf"STATUS=(\d+) END{number}\r\n")
        transcript.append((line, shell.before + f"\nSTATUS={shell.match.group(1)}"))
        if number == 0:
            shell.sendline("echo DEMO=$demo")
            shell.expect(r"DEMO=(/\S+)\r\n")
            demo = shell.match.group(1)
    # zsh answers the first `exit` after a job ended with a notice, and exits at the second.
    for _ in range(2):
        shell.sendline("exit")
        if shell.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=10) == 0:
            break
    shell.close(force=True)

    def outcomes(start):
        return [seen for line, seen in transcript if line.startswith(start)]

    assert demo.startswith(str(tmp_path))  # mktemp -d made it, in TMPDIR
    first, second = outcomes("aws ec2 describe-instances")
    assert "STATUS=0" in first and "running" in first, first
    assert "UnauthorizedOperation" in outcomes('aws ec2 stop-instances --instance-ids "$INSTANCE"')[0]
    assert "new session in profile [mfa]" in outcomes("awsmfa login")[0]
    stopped = outcomes('aws ec2 stop-instances --instance-ids "$INSTANCE" --profile mfa')[0]
    assert "stopping" in stopped and "STATUS=0" in stopped, stopped
    exported = outcomes('eval "$(awsmfa env)"' if shell_name != "fish" else "awsmfa env | source")[0]
    assert "STATUS=0" in exported, exported
    assert "STATUS=0" in second and re.search(r"stopp(ing|ed)", second), second
    assert "STATUS=0" in outcomes("kill ")[0]  # the walk-through stops the server it started
    assert server_stopped(int(port)), "the local AWS still answers after the walk-through"
    assert "STATUS=0" in outcomes("deactivate")[0]
    assert not os.path.exists(demo)  # and removes its folder
