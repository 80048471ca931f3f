"""install over a block written for a bare completer name (`awsmfa init SHELL --completer
aws_completer >> FILE`, the README's way for a dotfile repository shared between machines).

Such a block looks the name up at each Tab; install without --completer keeps that name rather
than write the absolute path it finds on this machine (which would make the shared file
machine-specific). --completer still wins; each shell keeps what its own files hold.
"""
import os

import pytest

from awsshell_setup.shells import rcblock

from shellkit import (Interactive, awsmfa, base_env, complete_aws_line, fake_completer, link_awsmfa, new_home,
                      recording_completer, snapshot)

# Where `awsmfa init SHELL >> FILE` puts the block, per shell.
INIT_FILES = {"bash": ".bashrc", "zsh": ".zshrc", "fish": ".config/fish/config.fish"}
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


def _setup(tmp_path):
    """A Debian-like home (its ~/.profile sources ~/.bashrc), awsmfa where a login shell finds
    it, and a stand-in completer first on PATH: found by its bare name, and by install's search."""
    home = new_home(tmp_path)
    link_awsmfa(home)
    env = base_env(home)
    comp = fake_completer(tmp_path / "fakebin")
    env["PATH"] = f"{os.path.dirname(comp)}{os.pathsep}{env['PATH']}"
    return home, env, comp


def _init_into(home, env, shell_name, name="aws_completer", path=None):
    """`awsmfa init SHELL --completer NAME >> FILE`."""
    rc = home / (path or INIT_FILES[shell_name])
    rc.parent.mkdir(parents=True, exist_ok=True)
    block = awsmfa("init", shell_name, "--completer", name, env=env).stdout
    with open(rc, "a", encoding="utf-8") as handle:
        handle.write(block)
    return rc


def _said(result):
    return result.stdout + result.stderr


def _completer_line(text):
    return [line for line in text.splitlines() if line.startswith("# aws completion: ")]


@pytest.mark.parametrize("shell_name", sorted(INIT_FILES))
def test_install_keeps_an_init_block_for_a_bare_name(tmp_path, shell_name):
    home, env, comp = _setup(tmp_path)
    rc = _init_into(home, env, shell_name)
    where = "~/" + INIT_FILES[shell_name]
    before = snapshot(home)
    status = awsmfa("status", "--shell", shell_name, env=env, check=False)
    assert status.returncode == 0 and f"{where}: current, with aws completion" in status.stdout, status.stdout

    dry = awsmfa("install", "--shell", shell_name, "--dry-run", env=env)
    assert "would " not in _said(dry) and f"nothing to change: {shell_name} already set up" in _said(dry), _said(dry)
    result = awsmfa("install", "--shell", shell_name, "--yes", env=env)
    said = _said(result)
    assert f"nothing to change: {shell_name} already set up" in said, said
    assert f"aws completion: aws_completer, kept from the block in {where} (looked up at each Tab" in said, said
    assert f"now {comp}; it answers)" in said, said
    assert comp not in rc.read_text()
    assert snapshot(home) == before  # byte for byte, and no other file created

    status = awsmfa("status", "--shell", shell_name, env=env, check=False)
    assert status.returncode == 0 and f"{where}: current, with aws completion" in status.stdout, status.stdout


@pytest.mark.parametrize("shell_name", sorted(INIT_FILES))
def test_completer_option_still_wins_over_a_bare_name_block(tmp_path, shell_name):
    home, env, comp = _setup(tmp_path)
    rc = _init_into(home, env, shell_name)
    other = fake_completer(tmp_path / "elsewhere")
    said = _said(awsmfa("install", "--shell", shell_name, "--yes", "--completer", other, env=env))
    assert f"updated the block in ~/{INIT_FILES[shell_name]}" in said and "kept from" not in said, said
    assert _completer_line(rc.read_text()) == [f"# aws completion: {other}"]
    # From then on the absolute path is what the block holds: install finds the completer anew.
    said = _said(awsmfa("install", "--shell", shell_name, "--yes", env=env))
    assert _completer_line(rc.read_text()) == [f"# aws completion: {comp}"], said


def test_a_bare_name_in_one_shell_leaves_another_shells_absolute_path_alone(tmp_path):
    """zsh's shared dotfile keeps its bare name; bash's block, written for an absolute path, gets
    the completer install finds now, as it always did."""
    home, env, comp = _setup(tmp_path)
    old = fake_completer(tmp_path / "old")
    awsmfa("install", "--shell", "bash", "--yes", "--completer", old, env=env)
    zshrc = _init_into(home, env, "zsh")
    zsh_before = zshrc.read_bytes()
    said = _said(awsmfa("install", "--shell", "bash", "--shell", "zsh", "--yes", env=env))
    assert _completer_line((home / ".bashrc").read_text()) == [f"# aws completion: {comp}"], said
    assert zshrc.read_bytes() == zsh_before, said
    assert "updated the block in ~/.bashrc" in said and "~/.zshrc: up to date" in said, said
    # Each line says which shell it is for.
    assert f"aws completion for bash: {comp} (on PATH; it answers)" in said, said
    assert "aws completion for zsh: aws_completer, kept from the block in ~/.zshrc (" in said, said
    # And a zsh install alone does not take bash's path.
    said = _said(awsmfa("install", "--shell", "zsh", "--yes", env=env))
    assert "nothing to change" in said and zshrc.read_bytes() == zsh_before, said


def test_bash_login_file_and_bashrc_both_keep_the_bare_name(tmp_path):
    """A ~/.profile that does not source ~/.bashrc gets the block too, wrapped for sh: the bare
    name is read back from inside the wrapper."""
    home, env, comp = _setup(tmp_path)
    (home / ".profile").write_text('PATH="$HOME/.local/bin:$PATH"\n')
    awsmfa("install", "--shell", "bash", "--yes", "--completer", "aws_completer", env=env)
    assert "eval " in (home / ".profile").read_text()
    before = snapshot(home)
    said = _said(awsmfa("install", "--shell", "bash", "--yes", env=env))
    assert "nothing to change" in said and snapshot(home) == before, said
    assert "kept from the blocks in ~/.bashrc and ~/.profile (" in said, said


def test_a_bare_name_in_one_file_of_a_shell_is_written_in_its_others(tmp_path):
    """~/.bashrc from a dotfile repository (bare name) beside a ~/.profile install wrote earlier
    for an absolute path: that path was only what install found then, so the shell's one bare
    name goes into both."""
    home, env, comp = _setup(tmp_path)
    (home / ".profile").write_text('PATH="$HOME/.local/bin:$PATH"\n')
    awsmfa("install", "--shell", "bash", "--yes", "--completer", comp, env=env)
    bashrc = home / ".bashrc"
    text = bashrc.read_text()
    bashrc.write_text(text[:text.index(rcblock.BEGIN)])
    _init_into(home, env, "bash")
    said = _said(awsmfa("install", "--shell", "bash", "--yes", env=env))
    assert "updated the block in ~/.profile" in said and "~/.bashrc: up to date" in said, said
    assert "aws completion: aws_completer, kept from the block in ~/.bashrc (" in said, said
    assert comp not in (home / ".profile").read_text()
    status = awsmfa("status", "--shell", "bash", env=env, check=False)
    assert status.returncode == 0, status.stdout


def test_two_bare_names_in_one_shell_are_refused_before_anything_is_written(tmp_path):
    home, env, comp = _setup(tmp_path)
    (home / ".profile").write_text('PATH="$HOME/.local/bin:$PATH"\n')
    awsmfa("install", "--shell", "bash", "--yes", "--completer", "my_completer", env=env)
    bashrc = home / ".bashrc"
    text = bashrc.read_text()
    bashrc.write_text(text[:text.index(rcblock.BEGIN)])
    _init_into(home, env, "bash")
    before = snapshot(home)
    refused = awsmfa("install", "--shell", "bash", "--yes", env=env, check=False)
    assert refused.returncode == 1 and snapshot(home) == before, _said(refused)
    errors = [line for line in refused.stderr.splitlines() if line.startswith("awsmfa: error: ")]
    assert len(errors) == 1, refused.stderr
    line = errors[0]
    assert ("~/.bashrc names the aws completer aws_completer and ~/.profile names my_completer "
            "(pass --completer with the one to write") in line, line
    assert "changed nothing" in line, line
    # --completer settles it.
    awsmfa("install", "--shell", "bash", "--yes", "--completer", "aws_completer", env=env)
    assert "my_completer" not in (home / ".profile").read_text()


def test_fish_files_of_its_own_keep_the_bare_name(tmp_path):
    """Without a block in config.fish, fish's completion is an autoloaded file awsmfa owns."""
    home, env, comp = _setup(tmp_path)
    awsmfa("install", "--shell", "fish", "--yes", "--completer", "aws_completer", env=env)
    before = snapshot(home)
    said = _said(awsmfa("install", "--shell", "fish", "--yes", env=env))
    assert "nothing to change" in said and snapshot(home) == before, said
    assert "aws completion: aws_completer, kept from ~/.config/fish/completions/aws.fish (" in said, said


def test_rc_file_keeps_the_bare_name(tmp_path):
    home, env, comp = _setup(tmp_path)
    rc = _init_into(home, env, "zsh", path="dotfiles/aws.zsh")
    before = rc.read_bytes()
    said = _said(awsmfa("install", "--shell", "zsh", "--rc-file", str(rc), "--yes", env=env))
    assert "nothing to change" in said and rc.read_bytes() == before, said


def test_a_kept_name_that_finds_nothing_is_kept_with_a_warning(tmp_path):
    """A machine without the AWS CLI: the shared block stays as it is, and install says why
    completion will not work here yet."""
    home, env, comp = _setup(tmp_path)
    rc = _init_into(home, env, "zsh", name="aws_completer_nowhere")
    before = rc.read_bytes()
    said = _said(awsmfa("install", "--shell", "zsh", "--yes", env=env))
    assert rc.read_bytes() == before and "nothing to change" in said, said
    assert ("aws completion: aws_completer_nowhere, kept from the block in ~/.zshrc, does not answer now "
            "(none found now: install the AWS CLI, or put it on PATH)") in said, said


@pytest.mark.parametrize("shell_name", sorted(INIT_FILES))
def test_no_completion_still_leaves_completion_out(tmp_path, shell_name):
    home, env, comp = _setup(tmp_path)
    rc = _init_into(home, env, shell_name)
    said = _said(awsmfa("install", "--shell", shell_name, "--yes", "--no-completion", env=env))
    assert "aws completion: left out (--no-completion)" in said and "kept from" not in said, said
    assert _completer_line(rc.read_text()) == [] and "function mfa" in rc.read_text()


def test_uninstall_takes_a_bare_name_block_back_as_before(tmp_path):
    home, env, comp = _setup(tmp_path)
    original = (home / ".bashrc").read_bytes()
    _init_into(home, env, "bash")
    awsmfa("install", "--shell", "bash", "--yes", env=env)
    awsmfa("uninstall", "--shell", "bash", "--yes", env=env)
    assert (home / ".bashrc").read_bytes() == original


@pytest.mark.parametrize("shell_name", sorted(INIT_FILES))
def test_after_install_the_bare_name_block_still_completes_with_what_path_finds_at_tab(tmp_path, shell_name):
    """install runs where one aws_completer is on PATH; the shell later runs with another first
    on PATH (another machine sharing the dotfile, or an upgraded AWS CLI): the Tab runs that
    one, which a block frozen to install's absolute path would not."""
    home = new_home(tmp_path)
    env = base_env(home)
    _init_into(home, env, shell_name)
    at_install = recording_completer(tmp_path / "at install", tmp_path / "asked at install")
    at_tab = recording_completer(tmp_path / "at tab", tmp_path / "asked at tab")
    env["PATH"] = f"{at_install.parent}{os.pathsep}{SYSTEM_PATH}"
    awsmfa("install", "--shell", shell_name, "--yes", env=env)
    (tmp_path / "asked at install").unlink(missing_ok=True)  # install's own check of the completer
    env["PATH"] = f"{at_tab.parent}{os.pathsep}{SYSTEM_PATH}"
    with Interactive(shell_name, env) as session:
        complete_aws_line(session)
    assert "aws ec2 stop-ins|16" in (tmp_path / "asked at tab").read_text().splitlines()
    assert not (tmp_path / "asked at install").exists()
