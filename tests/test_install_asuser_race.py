"""Races an account can set up against root's `install`/`uninstall --user`, made certain.

The account holds the flock awsmfa takes on its folder; once awsmfa is seen waiting for it (the
plan is made, the checks done), the account swaps a file or folder of its home for a link to
something of root's and lets go. Whatever awsmfa then does runs as the account, so the kernel
refuses it: root's file or folder is left byte for byte, nothing is created in it, and awsmfa
says so in one line.
* ~/.bashrc swapped for a link to a file of root's: install must not append its block there;
* ~/.config swapped for a link to a folder of root's (as with ~/.config -> /etc): install must
  not create fish/functions/mfa.fish there;
* ~/.bash_profile (created by awsmfa) swapped for a link to a root-owned copy of it: uninstall
  must not delete root's file.
"""
import collections
import os
import pathlib
import subprocess
import sys

from awsshell_setup.shells import rcblock

from accounts import account, root_owned_folder  # noqa: F401 (fixture)
from shellkit import awsmfa, base_env, fake_completer, new_home, snapshot

FIGURES = collections.Counter(dict.fromkeys([  # printed by conftest.pytest_terminal_summary
    "swaps made while root's awsmfa waited for the account's lock",
    "  of which changed a file or folder of root's"], 0))


def _start(args, env):
    return subprocess.Popen([sys.executable, "-m", "awsshell_setup", *args], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _race(account, holder_folder, swap, args, env):
    """Run awsmfa `args` while the account holds `holder_folder`; swap once awsmfa waits."""
    holder = account.hold_lock(holder_folder, swap)
    process = _start(args, env)
    holder.wait_for_waiter(process.pid)
    holder.go()
    out, err = process.communicate(timeout=120)
    FIGURES["swaps made while root's awsmfa waited for the account's lock"] += 1
    return process.returncode, out, err


def _refused_in_one_line(code, err):
    errors = [line for line in err.splitlines() if line.startswith("awsmfa: error:")]
    assert code != 0 and len(errors) == 1 and "Traceback" not in err, (code, err)
    return errors[0]


def _count_if_changed(before, after):
    FIGURES["  of which changed a file or folder of root's"] += int(before != after)


def test_bashrc_swapped_for_a_link_to_roots_file_while_install_waits(account, tmp_path):
    roots = root_owned_folder(account, "roots")
    target = pathlib.Path(roots) / "bashrc"
    target.write_text("# root's own file\n")
    comp = fake_completer(pathlib.Path(root_owned_folder(account, "bin")))
    env = base_env(new_home(tmp_path, "roothome"))
    before = snapshot(roots)
    code, out, err = _race(account, account.home, f"rm -f ~/.bashrc && ln -s {target} ~/.bashrc",
                           ["install", "--user", account.name, "--shell", "bash", "--yes", "--completer", comp], env)
    _count_if_changed(before, snapshot(roots))
    assert "Permission denied" in _refused_in_one_line(code, err)
    assert snapshot(roots) == before


def test_config_swapped_for_a_link_to_roots_folder_while_install_waits(account, tmp_path):
    decoy = root_owned_folder(account, "etc")
    os.mkdir(os.path.join(decoy, "fish"), 0o755)  # as /etc/fish, which every root fish loads
    account.write(".config/fish/config.fish", "# the account's\n")
    comp = fake_completer(pathlib.Path(root_owned_folder(account, "bin")))
    env = base_env(new_home(tmp_path, "roothome"))
    before = snapshot(decoy)
    code, out, err = _race(account, account.path(".config/fish"),
                           f"mv ~/.config ~/.config.old && ln -s {decoy} ~/.config",
                           ["install", "--user", account.name, "--shell", "fish", "--yes", "--completer", comp], env)
    _count_if_changed(before, snapshot(decoy))
    assert "Permission denied" in _refused_in_one_line(code, err)
    assert snapshot(decoy) == before and not os.path.exists(os.path.join(decoy, "fish", "functions"))


def test_bash_profile_swapped_for_a_link_to_roots_file_while_uninstall_waits(account, tmp_path):
    os.unlink(account.path(".profile"))  # no login file: install creates ~/.bash_profile
    comp = fake_completer(pathlib.Path(root_owned_folder(account, "bin")))
    env = base_env(new_home(tmp_path, "roothome"))
    awsmfa("install", "--user", account.name, "--shell", "bash", "--yes", "--completer", comp, env=env)
    created = pathlib.Path(account.path(".bash_profile")).read_text()
    assert rcblock.CREATED_NOTE in created  # uninstall would delete this file
    roots = root_owned_folder(account, "roots")
    target = pathlib.Path(roots) / "bash_profile"
    target.write_text(created)  # root's file, which uninstall would take for the one it created
    before = snapshot(roots)
    code, out, err = _race(account, account.home, f"rm -f ~/.bash_profile && ln -s {target} ~/.bash_profile",
                           ["uninstall", "--user", account.name, "--shell", "bash", "--yes"], env)
    _count_if_changed(before, snapshot(roots))
    assert "Permission denied" in _refused_in_one_line(code, err)
    assert snapshot(roots) == before
