"""install / uninstall / init on files: byte-exact round trips, idempotence, the bash login-file
rules, ZDOTDIR and XDG_CONFIG_HOME, symlinks and modes kept, --dry-run, --rc-file, fish files
owned whole, refusals that write nothing; --user errors (the --user job itself: test_install_asuser.py).

Most cases run the real command (`python -m awsshell_setup`) in a throwaway HOME with a stand-in
completer that answers at once; the real aws_completer is exercised in the interactive tests
and in test_install_finds_and_checks_the_real_completer.
"""
import dataclasses
import os
import pwd
import shutil
import stat
import subprocess
import sys

import pytest

from awsshell_setup.setup import scope
from awsshell_setup.shells import rcblock, running
from awsshell_setup.core.errors import UsageError

from shellkit import BIN, SKEL_BASHRC, SKEL_PROFILE, awsmfa, base_env, fake_completer, new_home, snapshot


@pytest.fixture
def home(tmp_path):
    return new_home(tmp_path)


@pytest.fixture
def env(home, tmp_path):
    return base_env(home)


@pytest.fixture
def comp(tmp_path):
    return fake_completer(tmp_path / "fakebin")


def run_install(env, comp, *args, check=True):
    return awsmfa("install", "--yes", "--completer", comp, *args, env=env, check=check)


def run_uninstall(env, *args, check=True):
    return awsmfa("uninstall", "--yes", *args, env=env, check=check)


def test_stock_debian_bashrc_round_trip_is_byte_identical(home, env, comp):
    before = snapshot(home)
    os.chmod(home / ".bashrc", 0o600)  # an unusual mode survives too
    before = snapshot(home)
    run_install(env, comp, "--shell", "bash")
    text = (home / ".bashrc").read_text()
    assert text.startswith(open(SKEL_BASHRC).read()) and text.count(rcblock.BEGIN) == 1
    assert stat.S_IMODE(os.stat(home / ".bashrc").st_mode) == 0o600
    # Debian's ~/.profile sources ~/.bashrc: left alone, and no ~/.bash_profile shadowing it.
    assert (home / ".profile").read_bytes() == open(SKEL_PROFILE, "rb").read()
    assert not (home / ".bash_profile").exists()
    second = run_install(env, comp, "--shell", "bash")
    assert "nothing to change" in second.stderr
    assert (home / ".bashrc").read_text() == text
    removed = run_uninstall(env)
    assert "removed the block from ~/.bashrc" in removed.stderr
    assert snapshot(home) == before


def test_install_twice_changes_nothing_for_every_shell(home, env, comp):
    run_install(env, comp, "--shell", "all")
    first = snapshot(home)
    again = run_install(env, comp, "--shell", "bash", "--shell", "zsh", "--shell", "fish")
    assert "nothing to change: bash, zsh, fish already set up" in again.stderr
    assert snapshot(home) == first


def test_uninstall_removes_created_files_and_folders(home, env, comp):
    before = snapshot(home)
    run_install(env, comp, "--shell", "zsh", "--shell", "fish")
    assert (home / ".zshrc").exists() and (home / ".config/fish/functions/mfa.fish").exists()
    assert rcblock.CREATED_NOTE in (home / ".zshrc").read_text()
    run_uninstall(env)
    after = snapshot(home)
    # fish's config folder (made for functions/ and completions/) may stay, empty; nothing else.
    leftovers = {path for path in set(after) - set(before) if after[path][0] != "dir"}
    assert not leftovers and not (home / ".config/fish/functions").exists()
    assert {path: value for path, value in after.items() if path in before} == before


def test_files_without_final_newline_and_empty_files_round_trip(home, env, comp):
    (home / ".bashrc").write_text("alias ll='ls -l'")  # no newline at the end
    (home / ".zshrc").write_text("")                   # exists, empty
    before = snapshot(home)
    run_install(env, comp, "--shell", "bash", "--shell", "zsh")
    assert (home / ".bashrc").read_text().startswith("alias ll='ls -l'\n" + rcblock.BEGIN)
    assert rcblock.CREATED_NOTE not in (home / ".zshrc").read_text()
    run_uninstall(env)
    assert snapshot(home) == before


def test_block_is_replaced_in_place_and_duplicates_dropped(home, env, comp):
    stale = rcblock.block_text("# an older awsmfa's block\nfunction mfa { :; }\n")
    (home / ".zshrc").write_text("export A=1\n" + stale + "export B=2\n" + stale)
    run_install(env, comp, "--shell", "zsh")
    text = (home / ".zshrc").read_text()
    assert text.count(rcblock.BEGIN) == 1 and "older awsmfa" not in text
    assert text.startswith("export A=1\n" + rcblock.BEGIN) and "# <<< awsmfa initialize <<<\nexport B=2\n" in text
    run_uninstall(env)
    assert (home / ".zshrc").read_text() == "export A=1\nexport B=2\n"


def test_symlinked_zshrc_stays_a_symlink(home, env, comp, tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "zshrc").write_text("setopt autocd\n")
    os.chmod(dotfiles / "zshrc", 0o640)
    (home / ".zshrc").symlink_to(dotfiles / "zshrc")
    run_install(env, comp, "--shell", "zsh")
    assert os.path.islink(home / ".zshrc") and os.readlink(home / ".zshrc") == str(dotfiles / "zshrc")
    assert rcblock.BEGIN in (dotfiles / "zshrc").read_text()
    assert stat.S_IMODE(os.stat(dotfiles / "zshrc").st_mode) == 0o640
    run_uninstall(env)
    assert os.path.islink(home / ".zshrc") and (dotfiles / "zshrc").read_text() == "setopt autocd\n"


def test_dry_run_prints_the_diff_and_writes_nothing(home, env, comp):
    before = snapshot(home)
    result = run_install(env, comp, "--shell", "all", "--dry-run")
    assert "+++ b/~/.bashrc" in result.stdout and "+" + rcblock.BEGIN in result.stdout
    assert "--- /dev/null" in result.stdout and "+++ b/~/.config/fish/functions/mfa.fish" in result.stdout
    assert "would add the block to ~/.bashrc" in result.stderr and "nothing was written" in result.stderr
    assert snapshot(home) == before
    run_install(env, comp, "--shell", "bash")
    installed = snapshot(home)
    dry = run_uninstall(env, "--dry-run")
    assert "-" + rcblock.BEGIN in dry.stdout and snapshot(home) == installed


def test_rc_file_takes_the_whole_block(home, env, comp, tmp_path):
    target = tmp_path / "dotfiles" / "aws.zsh"
    target.parent.mkdir()
    target.write_text("# my zsh bits\n")
    run_install(env, comp, "--shell", "zsh", "--rc-file", str(target))
    assert rcblock.BEGIN in target.read_text() and not (home / ".zshrc").exists()
    refused = run_install(env, comp, "--shell", "zsh", "--shell", "bash", "--rc-file", str(target), check=False)
    assert refused.returncode == 2 and "--rc-file takes one shell" in refused.stderr
    status = awsmfa("status", "--shell", "zsh", "--rc-file", str(target), env=env, check=False)
    assert "aws.zsh: current" in status.stdout, status.stdout
    run_uninstall(env, "--rc-file", str(target))
    assert target.read_text() == "# my zsh bits\n"


def test_init_output_is_what_install_writes(home, env, comp):
    """`awsmfa init bash >> ~/.bashrc` (a dotfile repo) is recognised: install has nothing to do."""
    original = (home / ".bashrc").read_text()
    block = awsmfa("init", "bash", "--completer", comp, env=env).stdout
    assert block.startswith(rcblock.BEGIN) and block.endswith(rcblock.END + "\n")
    assert "awsmfa init bash >> ~/.bashrc" in block  # says how to use it
    with open(home / ".bashrc", "a") as handle:
        handle.write(block)
    assert "nothing to change" in run_install(env, comp, "--shell", "bash").stderr
    run_uninstall(env)
    assert (home / ".bashrc").read_text() == original
    fish = awsmfa("init", "fish", "--completer", comp, env=env).stdout
    assert "function mfa" in fish and "__awsmfa_complete_aws" in fish


# --- bash login files -----------------------------------------------------------------------

def test_profile_not_sourcing_bashrc_gets_the_wrapped_block(home, env, comp):
    (home / ".profile").write_text("export PATH=\"$HOME/bin:$PATH\"\n")
    run_install(env, comp, "--shell", "bash")
    profile = (home / ".profile").read_text()
    assert rcblock.BEGIN in profile and "BASH_VERSION" in profile and not (home / ".bash_profile").exists()
    check = subprocess.run(["sh", "-n", str(home / ".profile")], capture_output=True, text=True)
    assert check.returncode == 0 and not check.stderr
    login = subprocess.run(["bash", "-l", "-c", "type -t mfa"], env=env, capture_output=True, text=True, timeout=30)
    assert login.stdout.strip() == "function", login.stderr
    run_uninstall(env)
    assert (home / ".profile").read_text() == "export PATH=\"$HOME/bin:$PATH\"\n"


def test_no_login_file_creates_bash_profile_and_uninstall_deletes_it(home, env, comp):
    os.unlink(home / ".profile")
    run_install(env, comp, "--shell", "bash")
    assert rcblock.CREATED_NOTE in (home / ".bash_profile").read_text()
    login = subprocess.run(["bash", "-l", "-c", "type -t mfa"], env=env, capture_output=True, text=True, timeout=30)
    assert login.stdout.strip() == "function"
    run_uninstall(env)
    assert not (home / ".bash_profile").exists()


def test_bash_profile_that_sources_bashrc_is_left_alone(home, env, comp):
    (home / ".bash_profile").write_text("# Amazon Linux style\nif [ -f ~/.bashrc ]; then\n\t. ~/.bashrc\nfi\n")
    (home / ".profile").write_text("# not read by bash: ~/.bash_profile exists\n")
    before = snapshot(home)
    run_install(env, comp, "--shell", "bash")
    after = snapshot(home)
    assert [path for path in before if before[path] != after[path]] == [".bashrc"]


def test_bash_profile_not_sourcing_bashrc_gets_the_plain_block(home, env, comp):
    (home / ".bash_profile").write_text("export LANG=C.UTF-8\n")
    run_install(env, comp, "--shell", "bash")
    text = (home / ".bash_profile").read_text()
    assert rcblock.BEGIN in text and "BASH_VERSION" not in text and "function mfa {" in text
    assert rcblock.BEGIN not in (home / ".profile").read_text()


# --- where zsh and fish keep their files ----------------------------------------------------

def test_zdotdir_and_xdg_config_home_are_honoured(home, comp):
    env = base_env(home, ZDOTDIR=home / "zsh", XDG_CONFIG_HOME=home / "xdg")
    (home / "zsh").mkdir()
    run_install(env, comp, "--shell", "zsh", "--shell", "fish")
    assert rcblock.BEGIN in (home / "zsh" / ".zshrc").read_text() and not (home / ".zshrc").exists()
    assert (home / "xdg" / "fish" / "completions" / "aws.fish").read_text().startswith(rcblock.OWNED_MARK)
    assert not (home / ".config").exists()


def test_zdotdir_set_in_zshenv_is_found(home, env, comp):
    (home / ".zshenv").write_text('export ZDOTDIR="$HOME/.config/zsh"\n')
    (home / ".config" / "zsh").mkdir(parents=True)
    run_install(env, comp, "--shell", "zsh")
    assert rcblock.BEGIN in (home / ".config" / "zsh" / ".zshrc").read_text()
    assert not (home / ".zshrc").exists()


# --- fish files owned whole -----------------------------------------------------------------

def test_fish_files_not_ours_are_never_overwritten(home, env, comp):
    completions = home / ".config" / "fish" / "completions"
    completions.mkdir(parents=True)
    (completions / "aws.fish").write_text("complete -c aws -a '(my-own-thing)'\n")
    before = snapshot(home)
    refused = run_install(env, comp, "--shell", "fish", check=False)
    assert refused.returncode == 1
    assert "aws.fish exists and awsmfa did not write it" in refused.stderr and "--no-completion" in refused.stderr
    assert snapshot(home) == before  # not even mfa.fish
    run_install(env, comp, "--shell", "fish", "--no-completion")
    assert (home / ".config/fish/functions/mfa.fish").read_text().startswith(rcblock.OWNED_MARK)
    assert (completions / "aws.fish").read_text() == "complete -c aws -a '(my-own-thing)'\n"
    run_uninstall(env)
    assert (completions / "aws.fish").read_text() == "complete -c aws -a '(my-own-thing)'\n"
    assert not (home / ".config/fish/functions/mfa.fish").exists()


# --- refusals that write nothing ------------------------------------------------------------

def test_no_terminal_and_no_shell_named_writes_nothing(home, env, comp):
    before = snapshot(home)
    result = awsmfa("install", "--completer", comp, env=dict(env, SHELL="/bin/bash"), check=False)
    assert result.returncode == 2
    assert "--shell" in result.stderr and "no terminal" in result.stderr
    assert snapshot(home) == before


def test_unknown_shell_names_the_option(monkeypatch, home, env):
    import shellingham

    monkeypatch.setattr(running, "_parent_process_shell", lambda: None)  # the process tree decides, not this test's parent
    monkeypatch.setattr(shellingham, "detect_shell", lambda: ("tcsh", "/bin/tcsh"))
    entry = pwd.getpwuid(os.geteuid())
    fake = pwd.struct_passwd(tuple(entry)[:6] + ("/bin/tcsh",))
    monkeypatch.setattr(scope.pwd, "getpwuid", lambda uid: fake)
    acct = scope.account(env, getpwuid=lambda uid: fake)
    with pytest.raises(UsageError) as error:
        scope.running_shell(dataclasses.replace(acct, environ=dict(acct.environ, SHELL="/bin/tcsh")), is_tty=True)
    assert "tcsh" in str(error.value) and "--shell" in str(error.value)
    # Detection falls through: shellingham's unsupported answer, then $SHELL.
    shell, how = scope.running_shell(dataclasses.replace(acct, environ=dict(acct.environ, SHELL="/usr/bin/zsh")),
                                     is_tty=True)
    assert shell.name == "zsh" and "$SHELL" in how


def test_under_sudo_detection_is_refused(home, env, comp):
    if os.geteuid() != 0:
        pytest.fail("this suite runs as root (.ci/run); the sudo and --user cases need it", pytrace=False)
    result = awsmfa("install", "--completer", comp, env=dict(env, SUDO_USER="nobody"), check=False)
    assert result.returncode == 2 and "sudo" in result.stderr and "--user nobody" in result.stderr
    root_home = pwd.getpwuid(0).pw_dir
    result = awsmfa("install", "--completer", comp, env=dict(env, SUDO_USER="nobody", HOME=root_home), check=False)
    assert result.returncode == 2 and "--shell" in result.stderr


def test_unterminated_block_is_refused(home, env, comp):
    (home / ".bashrc").write_text("x=1\n" + rcblock.BEGIN + "\nfunction mfa { :; }\n")
    before = snapshot(home)
    result = run_install(env, comp, "--shell", "bash", check=False)
    assert result.returncode == 1 and "never ends" in result.stderr
    assert run_uninstall(env, check=False).returncode == 1
    assert snapshot(home) == before


# --- accounts -------------------------------------------------------------------------------

def test_user_option_errors(env, comp):
    result = awsmfa("install", "--shell", "bash", "--user", "no-such-user-awsmfa", "--completer", comp, env=env,
                    check=False)
    assert result.returncode == 2 and "no such user" in result.stderr
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        result = awsmfa("install", "--shell", "bash", "--user", "nobody", "--completer", comp, env=env, check=False)
        if os.path.isdir(nobody.pw_dir):
            pytest.fail(f"expected nobody's home {nobody.pw_dir} not to exist on the test machine", pytrace=False)
        assert result.returncode == 1 and "does not exist" in result.stderr
        said = awsmfa("install", "--shell", "bash", "--user", "root", "--completer", comp, "--yes", "--dry-run",
                      env=env)
        assert "root's own account" in said.stderr  # root without another account says so


def test_install_finds_and_checks_the_real_completer(home, env):
    result = awsmfa("install", "--shell", "bash", "--yes", env=env)
    assert "aws completion:" in result.stderr and "it answers" in result.stderr
    named = [line for line in (home / ".bashrc").read_text().splitlines() if line.startswith("complete -C")]
    assert len(named) == 1 and named[0].split()[2].endswith("aws_completer")


def test_no_completer_installs_the_function_and_says_how_to_finish(home, env):
    bare = dict(env, PATH="/usr/bin:/bin")  # no aws, no aws_completer
    if shutil.which("aws_completer", path="/usr/bin:/bin:/usr/local/bin"):
        pytest.fail("an aws_completer in /usr/bin or /usr/local/bin hides this case", pytrace=False)
    # Debian's awscli puts its completer off PATH, in /usr/libexec: hidden here, in a mount
    # namespace of this run alone, under /dev/null (not a file, so not a completer).
    hide = ("for path in /usr/libexec/aws_completer; do [ -e $path ] && mount --bind /dev/null $path; done; "
            'exec "$@"')
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", hide, "sh",
                             sys.executable, "-m", "awsshell_setup", "install", "--shell", "bash", "--shell", "fish",
                             "--yes"], env=bare, capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert "no working aws_completer found" in result.stderr and "awsmfa install` again" in result.stderr
    text = (home / ".bashrc").read_text()
    assert "function mfa {" in text and "complete -C" not in text
    assert not (home / ".config/fish/completions/aws.fish").exists()
    assert "awsmfa is not on PATH" in result.stderr


def test_awsmfa_missing_for_new_shells_is_one_warning_and_still_installed(home, env, comp):
    """Installed into a virtualenv and run from it: awsmfa is on PATH now, not in a new shell."""
    result = run_install(env, comp, "--shell", "bash")
    warnings = [line for line in result.stderr.splitlines() if "awsmfa is not on PATH" in line]
    assert len(warnings) == 1 and "new login bash" in warnings[0], result.stderr
    # The one line that fixes it, and the file: a login bash reads ~/.profile, which sources ~/.bashrc.
    assert warnings[0].endswith(f'add `export PATH="$PATH:{BIN}"` to ~/.bashrc'), warnings[0]
    assert rcblock.BEGIN in (home / ".bashrc").read_text()
    # The same again, warned again: nothing changes, and a new shell still would not find it.
    assert "awsmfa is not on PATH" in run_install(env, comp, "--shell", "bash").stderr
    # awsmfa where a new login shell finds it (Debian's ~/.profile adds ~/.local/bin): no warning.
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "awsmfa").symlink_to(os.path.join(BIN, "awsmfa"))
    assert "not on PATH" not in run_install(env, comp, "--shell", "bash").stderr


def test_a_block_that_would_take_a_file_past_the_limit_is_refused(home, env, comp):
    """Never write what awsmfa would then refuse to read (status, uninstall)."""
    text = "# " + "x" * (rcblock.MAX_RC_BYTES - 200) + "\n"
    (home / ".bashrc").write_text(text)
    before = snapshot(home)
    result = run_install(env, comp, "--shell", "bash", check=False)
    errors = [line for line in result.stderr.splitlines() if line.startswith("awsmfa: error:")]
    assert result.returncode == 1 and len(errors) == 1 and "would grow past 2 MiB" in errors[0], result.stderr
    assert snapshot(home) == before
    # Just under the limit once written: installed, and uninstall reads it back.
    block = len(awsmfa("init", "bash", env=env).stdout.encode())
    (home / ".bashrc").write_text("# " + "x" * (rcblock.MAX_RC_BYTES - block - 1000) + "\n")
    run_install(env, comp, "--shell", "bash")
    assert os.path.getsize(home / ".bashrc") <= rcblock.MAX_RC_BYTES
    run_uninstall(env, "--shell", "bash")


def test_on_a_terminal_the_shell_is_detected_and_the_change_confirmed(home, env, comp):
    """Run from an interactive bash in a pseudo-terminal: detection sees bash, says so, and
    install asks before writing (no, then yes)."""
    import sys

    import pexpect

    before = snapshot(home)
    command = f"{sys.executable} -m awsshell_setup install --completer {comp}; echo exit=$?"
    child = pexpect.spawn("bash", ["--norc", "--noprofile", "-c", command], env=env, encoding="utf-8", timeout=60)
    child.expect_exact("shell: bash (detected")
    child.expect_exact("will add the block to ~/.bashrc")
    child.expect_exact("go ahead? [Y/n]")
    child.sendline("n")
    child.expect_exact("exit=130")
    child.expect(pexpect.EOF)
    assert snapshot(home) == before
    child = pexpect.spawn("bash", ["--norc", "--noprofile", "-c", command], env=env, encoding="utf-8", timeout=60)
    child.expect_exact("go ahead? [Y/n]")
    child.sendline("y")
    child.expect_exact("exit=0")
    child.expect(pexpect.EOF)
    assert rcblock.BEGIN in (home / ".bashrc").read_text()
