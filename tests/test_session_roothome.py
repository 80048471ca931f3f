"""Root's credentials commands with another account's HOME (`su` without `-`, `sudo -E`, sudo's
`env_keep += HOME`) are refused in one line naming the way out, before any file is read through
or written, any program (mfa_process) runs or any code is asked for (docs/ARCHITECTURE.md §4,
"What runs as which user"; awsshell_setup/core/roothome.py).

A real unprivileged account (tests/accounts.py) owns the home; its `~/.aws/credentials` is a
link to a file of root's, which must stay byte for byte and mode for mode, and its config's
`mfa_process` leaves a mark if it ever runs.
"""
import os
import stat
import subprocess

import pytest

from accounts import account, root_owned_folder  # noqa: F401 (fixture)
from awscli import clean_environment
from awsenv import AWSMFA, CLOSED, LONG_TERM, SERIAL, stored_session


@pytest.fixture
def trap(account, tmp_path):
    """The account's home set as the attack describes: credentials linked to a root-owned file
    (holding keys and a valid stored session), and an mfa_process that marks it ran."""
    target = os.path.join(root_owned_folder(account, "rootfiles"), "precious")
    with open(target, "w") as handle:
        handle.write(LONG_TERM + stored_session())
    os.chmod(target, 0o644)
    marker = tmp_path / "mfa_process-ran"
    account.write(".aws/config", f"[default]\nregion = eu-west-1\nmfa_serial = {SERIAL}\n"
                                 f"mfa_process = touch {marker}; echo 123456\n")
    os.symlink(target, account.path(".aws/credentials"))
    os.lchown(account.path(".aws/credentials"), account.uid, account.gid)
    with open(target, "rb") as handle:
        before = handle.read()
    return target, before, marker


def _as_root(environ_extra, *args):
    env = clean_environment(environ_extra["HOME"])
    env.update(AWS_ENDPOINT_URL=CLOSED, AWS_EC2_METADATA_DISABLED="true", PYTHONDONTWRITEBYTECODE="1",
               **environ_extra)
    return subprocess.run(AWSMFA + list(args), env=env, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def _refused(result):
    errors = [line for line in result.stderr.splitlines() if line.startswith("awsmfa: error:")]
    assert result.returncode == 2 and len(errors) == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert "su -" in errors[0] and "sudo -H" in errors[0], errors[0]
    return errors[0]


def _untouched(trap):
    target, before, marker = trap
    with open(target, "rb") as handle:
        assert handle.read() == before
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644
    assert not marker.exists(), "the account's mfa_process ran as root"


# `su` without `-` keeps HOME; `sudo -E` (or env_keep += HOME) keeps HOME and sets SUDO_USER.
WAYS = {"su": lambda account: {"HOME": account.home},
        "sudo -E": lambda account: {"HOME": account.home, "SUDO_USER": account.name}}
COMMANDS = {"env (cached: the fast path)": ["env", "--shell", "bash"],
            "env --json": ["env", "--json"],
            "env --force": ["env", "--force", "--shell", "bash"],
            "login --force": ["login", "--force"],
            "logout": ["logout"],
            "exec": ["exec", "--force", "--", "true"]}


@pytest.mark.parametrize("way", sorted(WAYS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_root_with_another_accounts_home_is_refused_before_anything(account, trap, way, command):
    line = _refused(_as_root(WAYS[way](account), *COMMANDS[command]))
    assert account.name in line or account.home in line
    _untouched(trap)


def test_the_mfa_function_of_root_is_refused_the_same_way(account, trap):
    """`mfa` is `eval "$(awsmfa env ...)"`: nothing to evaluate, the shell keeps its variables."""
    code = ("function mfa { local out; out=\"$(command awsmfa env --shell bash --force \"$@\")\" || return; "
            "eval \"$out\"; }; export AWS_PROFILE=before; mfa; echo \"status=$? profile=$AWS_PROFILE\"")
    env = clean_environment(account.home)
    env.update(AWS_ENDPOINT_URL=CLOSED, HOME=account.home,
               PATH=os.path.dirname(AWSMFA[0]) + os.pathsep + env.get("PATH", "/usr/bin:/bin"))
    result = subprocess.run(["bash", "-c", code], env=env, capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert "status=2 profile=before" in result.stdout, (result.stdout, result.stderr)
    assert "su -" in result.stderr
    _untouched(trap)


def test_root_naming_an_accounts_credentials_file_is_refused(account, trap, tmp_path):
    """HOME is root's own, but AWS_SHARED_CREDENTIALS_FILE leads into the account's home."""
    home = tmp_path / "roothome"
    home.mkdir(mode=0o700)
    result = _as_root({"HOME": str(home), "AWS_SHARED_CREDENTIALS_FILE": account.path(".aws/credentials"),
                       "AWS_CONFIG_FILE": account.path(".aws/config")}, "env", "--force", "--shell", "bash")
    _refused(result)
    _untouched(trap)


def test_root_in_its_own_home_still_works(tmp_path):
    """The rule refuses only another account's: root's own home serves root's session."""
    home = tmp_path / "roothome"
    (home / ".aws").mkdir(parents=True, mode=0o700)
    (home / ".aws" / "credentials").write_text(LONG_TERM + stored_session())
    result = _as_root({"HOME": str(home)}, "env", "--shell", "bash")
    assert result.returncode == 0 and "AWS_SESSION_TOKEN" in result.stdout, result.stderr
