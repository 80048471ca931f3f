"""Which shell `awsmfa env` prints code for, when no --shell is given: checked by evaluating its
output in the real shell that runs it.

`eval "$(awsmfa env)"` runs awsmfa as a child of the shell that will evaluate the output, so that
shell (read from the process tree) decides the syntax; $SHELL names only the login shell, which is
often not the one running a script (`SHELL=/usr/bin/fish` while `sh -c`, cron or a Makefile runs).
"""
import os
import shutil
import subprocess
import sys

import pytest

from awsshell_setup import shells
from awsshell_setup.shells import running

from awsenv import stored_session
from shellkit import require_shell

NAMES = ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
EXPECTED = {"AWS_PROFILE": "mfa", "AWS_ACCESS_KEY_ID": "ASIACACHED", "AWS_SECRET_ACCESS_KEY": "session secret$(x)",
            "AWS_SESSION_TOKEN": "cachedtoken"}
AWSMFA = f"{sys.executable} -m awsshell_setup"


@pytest.fixture
def cached_env(tmp_path):
    """A HOME holding a valid stored session (no AWS call is needed: the endpoint is closed)."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        "[default]\naws_access_key_id = AKIALONGTERM\naws_secret_access_key = longtermsecret\n"
        + stored_session(keys=("ASIACACHED", "session secret$(x)", "cachedtoken")))
    (home / ".aws" / "credentials").chmod(0o600)
    (home / ".aws" / "config").write_text("[default]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/t\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(HOME=str(home), SHELL="/usr/bin/fish", AWS_ENDPOINT_URL="http://127.0.0.1:9",
               AWS_EC2_METADATA_DISABLED="true", PYTHONDONTWRITEBYTECODE="1")
    return env


def _evaluated(argv, env, runner=""):
    """Run `eval "$(awsmfa env)"` in the shell `argv`, then print what it exported."""
    printer = "; ".join(f"printf '%s\\0' \"${name}\"" for name in NAMES)
    script = f'eval "$({runner}{AWSMFA} env)" || exit 7\n{printer}'
    result = subprocess.run(argv + [script], env=env, capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"{argv}: exit {result.returncode}\n{result.stderr}"
    return dict(zip(NAMES, result.stdout.split("\0")))


@pytest.mark.parametrize("shell", ["dash", "sh"])
def test_posix_shell_wins_over_a_fish_login_shell(cached_env, shell):
    """dash (Debian's /bin/sh) evaluates POSIX exports, though $SHELL names fish."""
    require_shell(shell)
    assert _evaluated([shutil.which(shell), "-c"], cached_env) == EXPECTED


def test_bash_run_as_sh_gets_posix_code(cached_env, tmp_path):
    """bash started through a link named sh (Amazon Linux's and macOS's /bin/sh) is a POSIX shell."""
    link = tmp_path / "bin" / "sh"
    link.parent.mkdir()
    link.symlink_to(require_shell("bash"))
    assert _evaluated([str(link), "-c"], cached_env) == EXPECTED


def test_shell_found_up_the_tree_when_the_parent_is_a_wrapper(cached_env):
    """With a program between the shell and awsmfa (`timeout`), the shell is found further up."""
    require_shell("dash")
    assert _evaluated(["dash", "-c"], cached_env, runner="timeout 60 ") == EXPECTED


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_bash_and_zsh_still_get_their_own_code(cached_env, shell):
    require_shell(shell)
    assert _evaluated([shell, "-c"], cached_env) == EXPECTED


def test_fish_still_gets_fish_code(cached_env):
    require_shell("fish")
    printer = "; ".join(f"printf '%s\\0' \"${name}\"" for name in NAMES)
    script = f"{AWSMFA} env | source; or exit 7\n{printer}"
    result = subprocess.run(["fish", "--no-config", "-c", script], env=dict(cached_env, SHELL="/bin/sh"),
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert dict(zip(NAMES, result.stdout.split("\0"))) == EXPECTED


# The cases below are about the order of the clues, which a real process tree here cannot
# arrange (the test runner itself runs under some shell): each clue is replaced by its answer.

def _detect(monkeypatch, parent, walked, login_shell):
    monkeypatch.setattr(running, "_parent_process_shell", lambda: parent)
    monkeypatch.setattr(running, "shellingham_name", lambda: walked)
    environ = {"SHELL": login_shell} if login_shell else {}
    shell, how = shells.detect_running_shell(environ)
    return shell.name, how


def test_order_of_clues(monkeypatch):
    # The parent, when it is a shell, decides.
    assert _detect(monkeypatch, "sh", "fish", "/usr/bin/fish") == ("sh", "detected")
    assert _detect(monkeypatch, "zsh", "bash", "/usr/bin/fish") == ("zsh", "detected")
    # Else the first shell up the tree, any Bourne-like one counting as sh.
    for walked in ("sh", "dash", "ash", "ksh"):
        assert _detect(monkeypatch, None, walked, "/usr/bin/fish") == ("sh", "detected")
    assert _detect(monkeypatch, None, "fish", "/bin/bash") == ("fish", "detected")
    # $SHELL only when no shell we print code for is found; then POSIX.
    assert _detect(monkeypatch, None, None, "/usr/bin/fish") == ("fish", "$SHELL")
    assert _detect(monkeypatch, None, "tcsh", "/usr/bin/zsh") == ("zsh", "$SHELL")
    assert _detect(monkeypatch, None, None, "/bin/tcsh") == ("sh", "fallback")
    assert _detect(monkeypatch, None, None, None) == ("sh", "fallback")


@pytest.mark.parametrize("name, expected", [
    ("bash", "bash"), ("-zsh", "zsh"), ("fish", "fish"), ("sh", "sh"), ("dash", "sh"), ("ash", "sh"),
    ("ksh", "sh"), ("mksh", "sh"), ("ksh93", "sh"), ("busybox", None), ("python3", None), ("tcsh", None),
    ("timeout", None), ("", None), (None, None)])
def test_names_of_shells(name, expected):
    assert shells.code_shell_name(name) == expected


@pytest.mark.parametrize("argv, expected", [
    (["busybox", "sh", "-c", "x"], "sh"), (["/bin/busybox", "ash"], "sh"), (["busybox", "hush"], "sh"),
    (["busybox", "timeout", "5", "awsmfa"], None), (["busybox"], None), ([], None)])
def test_busybox_run_by_its_own_name(argv, expected):
    """`busybox sh -c ...` shows as busybox in /proc: its first argument names the applet."""
    assert shells.busybox_applet_shell(argv) == expected


def test_detection_from_the_parent_costs_no_process_tree_walk(cached_env):
    """When the parent answers (the usual `eval "$(awsmfa env)"`), neither shellingham nor the
    subprocess module it needs is imported: the cached `env` stays as cheap as Python's start."""
    require_shell("dash")
    script = '"$0" -X importtime -m awsshell_setup env >/dev/null; echo "exit $?" >&2'
    result = subprocess.run(["dash", "-c", script, sys.executable], env=cached_env, capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert "exit 0" in result.stderr, result.stderr
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "awsshell_setup.shells" in imported  # the measurement sees our modules
    assert not imported & {"shellingham", "subprocess"}, sorted(imported & {"shellingham", "subprocess"})
