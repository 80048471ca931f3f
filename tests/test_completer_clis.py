"""The two AWS CLIs people have, for real: Debian's `awscli` package (AWS CLI v2, `/usr/bin/aws`,
its completer in /usr/libexec and a bash-completion file that names it) and the PyPI AWS CLI v1
of this virtualenv. Each is found, answers, completes `aws ec2 stop-ins<Tab>` in real bash, zsh
and fish through what `awsmfa install` wrote, and runs the seed scenario against the local AWS.
"""
import os
import shlex
import shutil
import subprocess
import sys

import pytest

from awsshell_setup.setup import completer
from awsshell_setup.shells import completerfiles

from shellkit import Interactive, awsmfa, base_env, complete_aws_line, new_home, recording_completer

DEBIAN_AWS = "/usr/bin/aws"
DEBIAN_COMPLETER = "/usr/libexec/aws_completer"
BASH_COMPLETION_AWS = "/usr/share/bash-completion/completions/aws"
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"
V1_COMPLETER = os.path.join(os.path.dirname(sys.executable), "aws_completer")
# Only the system's folders: no virtualenv, so no AWS CLI v1 on PATH.
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


def require_debian_v2():
    """Debian's AWS CLI v2, or a failure (never a skip): CI installs it."""
    for path in (DEBIAN_AWS, DEBIAN_COMPLETER, BASH_COMPLETION_AWS):
        if not os.path.exists(path):
            pytest.fail(f"{path} is missing: these tests need Debian's AWS CLI v2 "
                        "(apt-get install awscli)", pytrace=False)
    version = subprocess.run([DEBIAN_AWS, "--version"], capture_output=True, text=True, timeout=60).stdout
    if not version.startswith("aws-cli/2."):
        pytest.fail(f"{DEBIAN_AWS} is not AWS CLI v2 ({version.strip()}): apt-get install awscli", pytrace=False)


def require_bash_completion():
    if not os.path.exists(BASH_COMPLETION):
        pytest.fail(f"{BASH_COMPLETION} is missing: apt-get install bash-completion", pytrace=False)


def require_v1():
    if not os.path.exists(V1_COMPLETER):
        pytest.fail(f"{V1_COMPLETER} is missing: pip install -e '.[test]' installs the AWS CLI v1", pytrace=False)


# --- discovery ------------------------------------------------------------------------------

def test_debian_v2_is_found_in_libexec_with_only_the_system_on_path(tmp_path):
    require_debian_v2()
    env = {"PATH": SYSTEM_PATH, "HOME": str(tmp_path)}
    found, failed = completer.find(env, str(tmp_path))
    assert found is not None, failed
    assert found.path == DEBIAN_COMPLETER and found.answers
    assert BASH_COMPLETION_AWS in found.how


def test_v1_on_path_comes_first(tmp_path):
    require_v1()
    env = {"PATH": os.path.dirname(V1_COMPLETER) + ":" + SYSTEM_PATH, "HOME": str(tmp_path)}
    found, _ = completer.find(env, str(tmp_path))
    assert found.path == V1_COMPLETER and found.how == "on PATH"


def test_libexec_is_searched_even_without_the_bash_completion_file(tmp_path):
    """The folder is a known place of its own, not only through the bash-completion file."""
    assert "/usr/libexec" in completerfiles.KNOWN_FOLDERS


def test_the_completer_the_bash_completion_file_names(tmp_path):
    require_debian_v2()
    assert completerfiles.named_by_bash_completion(BASH_COMPLETION_AWS) == DEBIAN_COMPLETER
    other = tmp_path / "aws"
    other.write_text("# a comment\ncomplete -o nospace -C '/opt/aws cli/aws_completer' aws\n")
    assert completerfiles.named_by_bash_completion(str(other)) == "/opt/aws cli/aws_completer"
    other.write_text("_aws() { :; }\ncomplete -F _aws aws\n")
    assert completerfiles.named_by_bash_completion(str(other)) is None
    assert completerfiles.named_by_bash_completion(str(tmp_path / "absent")) is None


# --- install and Tab in real shells ---------------------------------------------------------

CLIS = {
    # name: (PATH of the shell and of install, the completer install must find)
    "debian-v2": (SYSTEM_PATH, DEBIAN_COMPLETER),
    "pypi-v1": (os.path.dirname(V1_COMPLETER) + ":" + SYSTEM_PATH, V1_COMPLETER),
}


def _require(cli):
    if cli == "debian-v2":
        require_debian_v2()
        require_bash_completion()
    else:
        require_v1()


def _install(tmp_path, cli, shell_name):
    _require(cli)
    home = new_home(tmp_path)  # Debian's ~/.bashrc: it loads bash-completion
    env = base_env(home)
    env["PATH"] = CLIS[cli][0]
    out = awsmfa("install", "--shell", shell_name, "--yes", env=env)
    return home, env, out




@pytest.mark.parametrize("cli", sorted(CLIS))
@pytest.mark.parametrize("shell_name", ["bash", "zsh", "fish"])
def test_tab_completes_with_each_cli(tmp_path, cli, shell_name):
    home, env, out = _install(tmp_path, cli, shell_name)
    assert f"aws completion: {CLIS[cli][1]} (" in out.stdout + out.stderr, out.stderr
    with Interactive(shell_name, env) as session:
        complete_aws_line(session)


def test_bash_completes_with_debians_completer_only_where_bash_completion_is_not_loaded(tmp_path):
    """bash-completion's file for aws names the same program: the block's `complete -C` is kept
    for shells that have not loaded bash-completion (tests/test_shells_bash_completion_fallback.py
    runs both kinds of shell)."""
    home, env, out = _install(tmp_path, "debian-v2", "bash")
    said = out.stdout + out.stderr
    assert (f"aws completion for bash: by {BASH_COMPLETION_AWS} where bash-completion is loaded, else by the "
            "block\n") in said, said
    bashrc = (home / ".bashrc").read_text()
    block = bashrc[bashrc.index("# >>> awsmfa"):]
    assert "function mfa" in block
    assert f"# aws completion: {DEBIAN_COMPLETER}\n" in block
    guarded = ("if ! { complete -p -D && { declare -F _comp_complete_load || declare -F _completion_loader; }; }"
               f" >/dev/null 2>&1; then\n    complete -C {DEBIAN_COMPLETER} aws\nfi\n")
    assert guarded in block and block.count("complete -C") == 1, block
    # status sees the block as current, with the completer that bash-completion runs.
    status = awsmfa("status", "--shell", "bash", env=env, check=False)
    assert "current, with aws completion" in status.stdout, status.stdout
    assert f"completer: {DEBIAN_COMPLETER}: answers" in status.stdout, status.stdout
    assert "without aws completion" not in status.stdout and "differs" not in status.stdout, status.stdout
    # A second install changes nothing.
    again = awsmfa("install", "--shell", "bash", "--yes", env=env)
    assert "nothing to change" in again.stdout + again.stderr


@pytest.mark.parametrize("shell_name", ["zsh", "fish"])
def test_zsh_and_fish_still_get_debians_completer(tmp_path, shell_name):
    home, env, out = _install(tmp_path, "debian-v2", shell_name)
    assert "where bash-completion is loaded" not in out.stdout + out.stderr
    written = (home / ".zshrc") if shell_name == "zsh" else (home / ".config/fish/completions/aws.fish")
    assert DEBIAN_COMPLETER in written.read_text()


def test_bash_with_the_v1_completer_writes_its_own_line(tmp_path):
    """Another completer than the one bash-completion names: bash runs ours, like zsh and fish."""
    home, env, out = _install(tmp_path, "pypi-v1", "bash")
    assert "where bash-completion is loaded" not in out.stdout + out.stderr
    assert f"complete -C {V1_COMPLETER} aws" in (home / ".bashrc").read_text()


# --- a dotfile block with a bare --completer name, on a machine with the completer off PATH ----

RC_FILES = {"bash": ".bashrc", "zsh": ".zshrc", "fish": ".config/fish/config.fish"}
NOWHERE = "aws_completer_in_no_folder"  # a bare name no folder of this machine holds


def _dotfile_home(tmp_path, shell_name, name="aws_completer", bash_completion=True):
    """A home whose rc file ends with `awsmfa init SHELL --completer NAME` (the README's dotfile
    way), and the environment of a shell with only the system's folders on PATH. Without
    bash_completion, the home's ~/.bashrc does not load bash-completion (only the block can
    complete aws there)."""
    home = new_home(tmp_path, skel=bash_completion)
    env = base_env(home)
    block = awsmfa("init", shell_name, "--completer", name, env=env).stdout
    rc = home / RC_FILES[shell_name]
    rc.parent.mkdir(parents=True, exist_ok=True)
    with open(rc, "a", encoding="utf-8") as handle:
        handle.write(block)
    env["PATH"] = SYSTEM_PATH
    for program in ("aws_completer", NOWHERE):
        if shutil.which(program, path=SYSTEM_PATH):
            pytest.fail(f"{program} is on {SYSTEM_PATH}: these tests need it off PATH", pytrace=False)
    return home, env


def _tab_then_mark(session, partial):
    """Type `partial`, press Tab, drop the line (Ctrl-U), print a mark; the text the shell
    printed from the Tab to the mark."""
    start = len(session.text())
    session.child.send(partial + "\t")
    session.child.send("\x15printf %s_ tab done\r")
    session.child.expect_exact("tab_done_")
    session.wait_prompt()
    return session.text()[start:]


@pytest.mark.parametrize("shell_name, bash_completion", [("bash", True), ("bash", False), ("zsh", True),
                                                         ("fish", True)])
def test_a_bare_name_block_runs_debians_completer_off_path(tmp_path, shell_name, bash_completion):
    """Debian's v2 keeps aws_completer in /usr/libexec, off PATH: the bare name is found there
    at Tab time (in bash without bash-completion too, where nothing else could complete)."""
    require_debian_v2()
    require_bash_completion()
    home, env = _dotfile_home(tmp_path, shell_name, bash_completion=bash_completion)
    with Interactive(shell_name, env) as session:
        complete_aws_line(session)
    assert "not found" not in session.text() and "Unknown command" not in session.text(), session.text()[-2000:]


@pytest.mark.parametrize("shell_name", ["bash", "zsh", "fish"])
def test_a_bare_name_on_path_wins_over_the_folders(tmp_path, shell_name):
    require_debian_v2()
    home, env = _dotfile_home(tmp_path, shell_name)
    log = tmp_path / "asked"
    on_path = recording_completer(tmp_path / "first on PATH", log)
    env["PATH"] = f"{on_path.parent}:{env['PATH']}"
    with Interactive(shell_name, env) as session:
        complete_aws_line(session)
    # The line the Tab asked about (fish may also ask while it suggests, as the line is typed).
    assert "aws ec2 stop-ins|16" in log.read_text().splitlines(), log.read_text()


def _without_completers(tmp_path, home, shell_name):
    """A folder for the front of PATH whose SHELL_NAME starts the real shell in a mount namespace
    of its own, where each aws_completer of the folders the block looks in (Debian's
    /usr/libexec one here) is /dev/null: not a file, so not a completer."""
    hidden = [path for path in (os.path.join(os.path.join(home, folder[2:]) if folder.startswith("~/") else folder,
                                             "aws_completer") for folder in completerfiles.KNOWN_FOLDERS)
              if os.path.exists(path)]
    hide = "".join(f"mount --bind /dev/null {shlex.quote(path)} || exit 1\n" for path in hidden) + 'exec "$@"'
    folder = tmp_path / "wrapper"
    folder.mkdir()
    wrapper = folder / shell_name
    wrapper.write_text(f"#!/bin/sh\nexec unshare --mount --propagation private sh -c {shlex.quote(hide)} sh "
                       f"{shlex.quote(shutil.which(shell_name))} \"$@\"\n")
    wrapper.chmod(0o755)
    return str(folder)


@pytest.mark.parametrize("shell_name, bash_completion", [("bash", False), ("zsh", True), ("fish", True)])
def test_a_bare_name_found_nowhere_completes_nothing_quietly(tmp_path, shell_name, bash_completion):
    """No aws_completer on PATH nor in the folders: Tab completes nothing and prints no error
    (bash without bash-completion: nothing else would complete aws there either)."""
    home, env = _dotfile_home(tmp_path, shell_name, bash_completion=bash_completion)
    env["PATH"] = _without_completers(tmp_path, home, shell_name) + os.pathsep + env["PATH"]
    with Interactive(shell_name, env) as session:
        session.run("test -f /usr/libexec/aws_completer || echo hid''den", expect="hidden")
        printed = _tab_then_mark(session, "aws ec2 stop-ins")
        session.run("echo still-us''able", expect="still-usable")
    for error in ("aws_completer", "not found", "Unknown command", "rror"):
        assert error not in printed, printed


def test_bash_hands_a_bare_name_found_nowhere_to_bash_completion(tmp_path):
    """No completer where the block looks: bash completes aws as it would without the block,
    through bash-completion's file for aws (which names Debian's /usr/libexec/aws_completer)."""
    require_debian_v2()
    require_bash_completion()
    home, env = _dotfile_home(tmp_path, "bash", name=NOWHERE)
    with Interactive("bash", env) as session:
        complete_aws_line(session)
    assert NOWHERE not in session.text() and "not found" not in session.text(), session.text()[-2000:]


# --- the seed scenario with Debian's AWS CLI v2 as the client -------------------------------

def _debian_aws(user, endpoint_url, *args):
    """Debian's /usr/bin/aws against the local AWS. AWS CLI v2 reads AWS_ENDPOINT_URL (and a
    profile's endpoint_url) only from 2.13; bookworm's is 2.9, so the endpoint goes on the
    command line, as it does for any AWS CLI."""
    env = user.environ()
    env.pop("AWS_ENDPOINT_URL", None)  # would be ignored by 2.9 anyway: the option is what counts
    return subprocess.run([DEBIAN_AWS, "--endpoint-url", endpoint_url, *args], env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_seed_scenario_with_debians_v2_as_the_client(tmp_path, local_aws, seed_user):
    from awsenv import AwsUser, seed_user_files

    require_debian_v2()
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, seed_user)
    described = _debian_aws(user, local_aws.endpoint_url, "ec2", "describe-instances", "--output", "json")
    assert described.returncode == 0, described.stderr
    assert seed_user.instance_id in described.stdout
    stop = ("ec2", "stop-instances", "--instance-ids", seed_user.instance_id, "--output", "text")
    denied = _debian_aws(user, local_aws.endpoint_url, *stop)
    assert denied.returncode != 0 and "UnauthorizedOperation" in denied.stderr, denied.stderr

    result = user.awsmfa("login", "--token-code", local_aws.fresh_code(seed_user.serial_number))
    assert result.returncode == 0, result.stderr
    allowed = _debian_aws(user, local_aws.endpoint_url, *stop, "--profile", "mfa")
    assert allowed.returncode == 0, allowed.stderr
    assert seed_user.instance_id in allowed.stdout
    who = _debian_aws(user, local_aws.endpoint_url, "sts", "get-caller-identity", "--profile", "mfa",
                      "--query", "Arn", "--output", "text")
    assert who.returncode == 0 and who.stdout.strip() == seed_user.user_arn, who.stdout + who.stderr
