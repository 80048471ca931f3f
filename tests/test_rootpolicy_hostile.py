"""What an unprivileged account can set up against root's own awsmfa (rootpolicy), on a real
account, with the attack made certain, not lucky (docs/ARCHITECTURE.md, "What runs as which
user").

Root never runs a program that anyone but root could have changed, and that includes what the
kernel runs for it: a root-owned script whose `#!` names an interpreter of the account's
(directly, through `#!/usr/bin/env NAME` and the PATH it runs with, or a few scripts deep).

Root never writes where another account can add or swap files: a home folder open to everyone
(sticky, as /tmp) would let the account plant ~/.bashrc as a link to a file of root's while
root's install waits for the lock the account holds.
"""
import os
import pathlib
import subprocess
import sys
import time

import pytest

from awsshell_setup.core import rootpolicy
from awsshell_setup.core.errors import UsageError

from accounts import account, root_owned_folder  # noqa: F401 (fixture)
from awsmfarun import one_error, ran_as
from shellkit import awsmfa, base_env, fake_completer, new_home, snapshot

WAIT_SECONDS = 60  # bound on every wait below; a loaded 2-core machine stays far under it


def _script(path, text, mode=0o755):
    """A root-owned script."""
    path = pathlib.Path(path)
    path.write_text(text)
    path.chmod(mode)
    return str(path)


def _accounts_interpreter(account, marker, rel="interp"):
    """The account's own program: notes who ran it, then answers like aws_completer."""
    return account.write(rel, f"#!/bin/sh\nid -u >> {marker}\necho s3\n", mode=0o755)


# --- 1. root runs no program whose interpreter another account controls ------------------------

def test_root_does_not_run_a_root_script_whose_interpreter_is_the_accounts(account, tmp_path):
    marker = account.path("ran-as")
    interp = _accounts_interpreter(account, marker)
    folder = root_owned_folder(account, "bin")
    completer = _script(os.path.join(folder, "aws_completer"), f"#!{interp}\n")
    env = dict(base_env(new_home(tmp_path, "roothome")), PATH=f"{folder}:/usr/bin:/bin")
    found = awsmfa("install", "--shell", "bash", "--dry-run", "--yes", env=env, check=False)
    assert "0" not in ran_as(marker), f"root ran the account's interpreter:\n{found.stderr}"
    assert f"{completer} (on PATH; it answers)" not in found.stderr, found.stderr
    # Named with --completer, the refusal is shown: the interpreter and whose it is.
    named = awsmfa("install", "--shell", "bash", "--dry-run", "--yes", "--completer", completer, env=env,
                   check=False)
    assert "0" not in ran_as(marker), f"root ran the account's interpreter:\n{named.stderr}"
    shown = [line for line in named.stderr.splitlines() if "not run as root: its interpreter" in line]
    assert len(shown) == 1 and account.name in shown[0], named.stderr


def test_run_refusal_names_the_accounts_interpreter(account):
    interp = _accounts_interpreter(account, account.path("ran-as"))
    folder = root_owned_folder(account, "bin")
    direct = _script(os.path.join(folder, "direct"), f"#!{interp}\n")
    why = rootpolicy.run_refusal(direct)
    assert why.startswith("its interpreter ") and account.name in why and "\n" not in why, why
    # The interpreter in a folder of root's, but itself the account's.
    shared = root_owned_folder(account, "shared", mode=0o1777)
    planted = os.path.join(shared, "interp")
    os.rename(interp, planted)
    assert account.name in rootpolicy.run_refusal(_script(os.path.join(folder, "sticky"), f"#!{planted}\n"))
    # Spaces before the interpreter and an argument after it, as the kernel reads them.
    spaced = _script(os.path.join(folder, "spaced"), f"#! \t{planted} -x\necho hi\n")
    assert account.name in rootpolicy.run_refusal(spaced)


def test_run_refusal_follows_interpreters_a_few_scripts_deep(account):
    interp = _accounts_interpreter(account, account.path("ran-as"))
    folder = root_owned_folder(account, "bin")
    middle = _script(os.path.join(folder, "middle"), f"#!{interp}\n")
    outer = _script(os.path.join(folder, "outer"), f"#!{middle}\n")
    why = rootpolicy.run_refusal(outer)
    assert why.startswith("its interpreter ") and account.name in why, why
    # Root's own chains of scripts still run, four `#!` lines deep; one more is refused (the
    # kernel itself stops a level or two further).
    chain = _script(os.path.join(folder, "level0"), "#!/bin/sh\necho s3\n")
    for level in range(1, 4):
        chain = _script(os.path.join(folder, f"level{level}"), f"#!{chain}\n")
        assert rootpolicy.run_refusal(chain) == "", level
    deeper = _script(os.path.join(folder, "level4"), f"#!{chain}\n")
    assert "deep" in rootpolicy.run_refusal(deeper)


@pytest.mark.parametrize("line", [
    "#!/usr/bin/env NAME",
    "#!/usr/bin/env -S NAME -u",
    "#!/usr/bin/env -i A=1 PATH=ACCOUNTS NAME",
    "#!/usr/bin/env -u HOME NAME",
    "#!/usr/bin/env --split-string=NAME",
], ids=["plain", "-S", "-i VAR=value", "-u VAR", "--split-string"])
def test_run_refusal_follows_env_to_the_program_on_the_path_it_runs_with(account, line):
    marker = account.path("ran-as")
    _accounts_interpreter(account, marker, rel="bin/awsmfa-interp")
    folder = root_owned_folder(account, "bin")
    search = account.path("bin") + ":/usr/bin:/bin"
    line = line.replace("NAME", "awsmfa-interp").replace("ACCOUNTS", search)
    script = _script(os.path.join(folder, "via-env"), line + "\n")
    why = rootpolicy.run_refusal(script, search_path="/usr/bin:/bin" if "PATH=" in line else search)
    assert "awsmfa-interp" in why and account.name in why, why
    if "PATH=" not in line:
        # The same name in a folder of root's, first on that PATH: fine.
        _script(os.path.join(folder, "awsmfa-interp"), "#!/bin/sh\necho s3\n")
        assert rootpolicy.run_refusal(script, search_path=f"{folder}:{search}") == ""


def test_run_refusal_uses_the_environments_path_by_default(account, monkeypatch):
    _accounts_interpreter(account, account.path("ran-as"), rel="bin/awsmfa-interp")
    folder = root_owned_folder(account, "bin")
    script = _script(os.path.join(folder, "via-env"), "#!/usr/bin/env awsmfa-interp\n")
    monkeypatch.setenv("PATH", account.path("bin") + ":/usr/bin:/bin")
    assert account.name in rootpolicy.run_refusal(script)


def test_run_refusal_names_an_env_program_found_nowhere(account):
    folder = root_owned_folder(account, "bin")
    script = _script(os.path.join(folder, "via-env"), "#!/usr/bin/env awsmfa-no-such-program\n")
    assert rootpolicy.run_refusal(script, search_path="/usr/bin:/bin") == \
        "runs awsmfa-no-such-program, found nowhere on PATH"


def test_run_refusal_refuses_an_env_program_others_could_put_first_on_path(account):
    # Found in /bin now, but a folder of the account's is searched first: the account could put
    # its own program there between the check and the run.
    folder = root_owned_folder(account, "bin")
    script = _script(os.path.join(folder, "via-env"), "#!/usr/bin/env sh\n")
    assert rootpolicy.run_refusal(script, search_path="/usr/bin:/bin") == ""
    why = rootpolicy.run_refusal(script, search_path=f"{account.home}:/usr/bin:/bin")
    assert account.name in why, why


def test_root_scripts_with_roots_interpreters_still_run(tmp_path):
    completer = fake_completer(tmp_path / "bin")
    assert rootpolicy.run_refusal(completer) == ""
    env_script = _script(tmp_path / "bin" / "via-env", "#!/usr/bin/env sh\necho s3\n")
    assert rootpolicy.run_refusal(env_script, search_path="/usr/bin:/bin") == ""
    assert rootpolicy.run_refusal(sys.executable) == ""


# --- 2. root writes only where no other account can add or swap files -------------------------

def _start(args, env):
    return subprocess.Popen([sys.executable, "-m", "awsshell_setup", *args], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _waits_on(pid, folder):
    """True when `pid` (or a process under it) holds `folder` open the way fileio.locked does."""
    from accounts import _descendants, _has_folder_open

    return any(_has_folder_open(each, folder) for each in _descendants(pid))


def test_roots_install_refuses_a_home_open_to_everyone_where_an_account_plants_bashrc(account):
    roots = root_owned_folder(account, "roots", mode=0o700)
    secret = pathlib.Path(roots) / "secret"
    secret.write_text("root's own file\n")
    secret.chmod(0o600)
    home = root_owned_folder(account, "roothome", mode=0o1777)  # sticky, writable by all: as /tmp
    before = snapshot(roots)
    env = base_env(home)
    # The account holds the lock awsmfa takes on the folder of ~/.bashrc (the home), and plants
    # ~/.bashrc as a link to root's file while root's install waits for it. Without the rule,
    # root then appended its block to root's file through the link.
    holder = account.hold_lock(home, f"ln -s {secret} {home}/.bashrc")
    process = _start(["install", "--shell", "bash", "--no-completion", "--yes"], env)
    deadline = time.monotonic() + WAIT_SECONDS
    while process.poll() is None and not _waits_on(process.pid, home) and time.monotonic() < deadline:
        time.sleep(0.02)
    waited = process.poll() is None  # refused before the lock, it has already exited
    holder.go()
    out, err = process.communicate(timeout=WAIT_SECONDS)
    assert os.path.islink(os.path.join(home, ".bashrc")), "the account's plant did not happen"
    assert os.lstat(os.path.join(home, ".bashrc")).st_uid == account.uid
    assert snapshot(roots) == before and secret.read_bytes() == b"root's own file\n", \
        f"root wrote through the account's link (awsmfa {'waited' if waited else 'did not wait'}):\n{err}"
    error = one_error(subprocess.CompletedProcess([], process.returncode, out, err))
    assert "~/.bashrc" in error and home in error and "writable by everyone" in error, error
    assert "home folder" in error, error


def _refusal(path):
    with pytest.raises(UsageError) as raised:
        rootpolicy.check_not_anothers(path)
    message = str(raised.value)
    assert "\n" not in message and "as root, awsmfa writes only where no other account" in message, message
    return message


def test_check_not_anothers_refuses_folders_others_can_change_on_the_way(account, monkeypatch):
    home = root_owned_folder(account, "roothome")
    monkeypatch.setenv("HOME", home)
    # The folder holding the file, open to everyone: refused, whether the file exists or not.
    sticky = root_owned_folder(account, "sticky", mode=0o1777)
    assert sticky in _refusal(os.path.join(sticky, "bashrc"))
    _script(os.path.join(sticky, "bashrc"), "# root's\n", mode=0o644)
    assert sticky in _refusal(os.path.join(sticky, "bashrc"))
    # Root's own link in root's home, into a folder anyone may write (no sticky bit).
    open_folder = root_owned_folder(account, "open", mode=0o777)
    os.symlink(os.path.join(open_folder, "bashrc"), os.path.join(home, ".bashrc"))
    assert "~/.bashrc" in (message := _refusal(os.path.join(home, ".bashrc"))) and open_folder in message
    # A folder the account's group may write, to be created under.
    grouped = root_owned_folder(account, "grouped", mode=0o775)
    os.chown(grouped, 0, account.gid)
    assert "writable by group" in _refusal(os.path.join(grouped, "fish", "functions", "mfa.fish"))
    # A link of the account's in a sticky folder on the way (the real file itself is root's).
    safe = root_owned_folder(account, "safe")
    _script(os.path.join(safe, "zshrc"), "# root's\n", mode=0o644)
    os.symlink(os.path.join(safe, "zshrc"), os.path.join(sticky, "accounts-link"))
    os.lchown(os.path.join(sticky, "accounts-link"), account.uid, account.gid)
    os.symlink(os.path.join(sticky, "accounts-link"), os.path.join(home, ".zshrc"))
    assert account.name in _refusal(os.path.join(home, ".zshrc"))


def test_roots_own_homes_still_pass(account, tmp_path, monkeypatch):
    # pytest's homes: /tmp (sticky), then root's own folders; the home itself in a sticky folder.
    home = new_home(tmp_path, "roothome")
    monkeypatch.setenv("HOME", str(home))
    for rel in (".bashrc", ".zshrc", ".config/fish/functions/mfa.fish"):
        rootpolicy.check_not_anothers(str(home / rel))
    rootpolicy.check_not_anothers(str(home))
    rootpolicy.check_not_anothers("/root/.bashrc")
    # A link of root's in a sticky folder to root's file.
    sticky = root_owned_folder(account, "sticky", mode=0o1777)
    safe = root_owned_folder(account, "safe")
    os.symlink(os.path.join(safe, "bashrc"), os.path.join(sticky, "roots-link"))
    os.symlink(os.path.join(sticky, "roots-link"), home / ".bash_aliases")
    rootpolicy.check_not_anothers(str(home / ".bash_aliases"))
    # A home of root's right in a sticky folder: the home is passed through, not written to.
    rootpolicy.check_not_anothers(root_owned_folder(account, "sticky/home"))


def test_only_root_is_checked(account):
    sticky = root_owned_folder(account, "sticky", mode=0o1777)
    os.seteuid(account.uid)  # the real uid stays root's: this process can come back
    try:
        rootpolicy.check_not_anothers(os.path.join(sticky, "bashrc"))
    finally:
        os.seteuid(0)
