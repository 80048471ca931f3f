"""The README's way for fish dotfiles, `awsmfa init fish >> ~/.config/fish/config.fish`, seen by
install, status and uninstall: run end to end with the real CLI in a throwaway HOME.

When config.fish holds an awsmfa block, that block is where fish is set up: install updates it
in place (and adds no functions/mfa.fish or completions/aws.fish beside it), status checks it,
uninstall removes it and leaves config.fish as it was before the `init`.
"""
import subprocess
import sys

from awsshell_setup.shells import rcblock

from shellkit import PROFILE_PATH_LINE, awsmfa, link_awsmfa, base_env, fake_completer, new_home, require_awsmfa, require_shell, snapshot

USERS_CONFIG = "# my fish config\nset -g fish_greeting ''\nalias ll 'ls -l'\n"


def _setup(tmp_path):
    require_awsmfa()
    require_shell("fish")
    home = new_home(tmp_path, skel=False)
    (home / ".profile").write_text(PROFILE_PATH_LINE)  # a new login shell finds awsmfa: status asks
    link_awsmfa(home)
    folder = home / ".config" / "fish"
    folder.mkdir(parents=True)
    config = folder / "config.fish"
    config.write_text(USERS_CONFIG)
    return home, base_env(home), config, fake_completer(tmp_path / "bin")


def _init_appended(env, config, *options):
    """`awsmfa init fish ... >> config.fish`, typed as the README says."""
    result = subprocess.run(["sh", "-c", '"$0" -m awsshell_setup init fish "$@" >> "$AWSMFA_CONFIG"', sys.executable,
                             *options], env=dict(env, AWSMFA_CONFIG=str(config)), capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr


def _autoload_files(config):
    return [path for path in (config.parent / "functions" / "mfa.fish", config.parent / "completions" / "aws.fish")
            if path.exists()]


def _fish_has_mfa(env):
    result = subprocess.run(["fish", "-c", "functions -q mfa; and complete -c aws | string match -q '*__awsmfa*'; "
                             "and echo both"], env=env, capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    return result.stdout.strip() == "both"


def test_init_in_config_fish_is_found_by_install_status_and_uninstall(tmp_path):
    home, env, config, completer = _setup(tmp_path)
    _init_appended(env, config, "--completer", completer)
    initialised = config.read_text()
    assert initialised.count(rcblock.BEGIN) == 1 and _fish_has_mfa(env)

    result = awsmfa("install", "--shell", "fish", "--completer", completer, "--yes", env=env)
    assert config.read_text() == initialised, "install changed a current block"
    assert _autoload_files(config) == [], "install added its files beside the block in config.fish"
    assert "nothing to change" in result.stderr, result.stderr

    for args in (("status", "--shell", "fish"), ("status",)):
        status = awsmfa(*args, env=env, check=False)
        assert status.returncode == 0, status.stdout + status.stderr
        assert "config.fish: current, with aws completion" in status.stdout, status.stdout

    before = snapshot(home)
    awsmfa("uninstall", "--shell", "fish", "--yes", env=env)
    assert config.read_bytes() == USERS_CONFIG.encode()
    assert [path for path in snapshot(home) if path not in before] == []
    status = awsmfa("status", "--shell", "fish", env=env, check=False)
    assert status.returncode == 1


def test_install_updates_the_block_in_place(tmp_path):
    """An older block (another completer, or none; init appended twice) becomes the one block
    install writes now, where it was: the user's lines after it stay after it."""
    home, env, config, completer = _setup(tmp_path)
    _init_appended(env, config, "--no-completion")
    _init_appended(env, config, "--completer", "/old/aws_completer")
    with config.open("a") as handle:
        handle.write("set -gx EDITOR vi\n")
    awsmfa("install", "--shell", "fish", "--completer", completer, "--yes", env=env)
    text = config.read_text()
    assert text.count(rcblock.BEGIN) == 1 and "/old/aws_completer" not in text and completer in text
    assert text.startswith(USERS_CONFIG + rcblock.BEGIN) and text.endswith(rcblock.END + "\nset -gx EDITOR vi\n")
    assert _autoload_files(config) == [] and _fish_has_mfa(env)
    assert awsmfa("status", "--shell", "fish", env=env, check=False).returncode == 0

    # --no-completion: the block loses its completion, and no completions/aws.fish appears.
    awsmfa("install", "--shell", "fish", "--no-completion", "--yes", env=env)
    text = config.read_text()
    assert text.count(rcblock.BEGIN) == 1 and "__awsmfa_complete_aws" not in text and "function mfa" in text
    assert _autoload_files(config) == []


def test_files_of_an_earlier_install_go_when_the_block_comes(tmp_path):
    """install first (autoloaded files), then the dotfile way: install removes its own files,
    which the block now replaces; status agrees."""
    home, env, config, completer = _setup(tmp_path)
    awsmfa("install", "--shell", "fish", "--completer", completer, "--yes", env=env)
    assert len(_autoload_files(config)) == 2
    _init_appended(env, config, "--completer", completer)
    status = awsmfa("status", "--shell", "fish", env=env, check=False)
    assert status.returncode == 1 and "stale" in status.stdout, status.stdout
    awsmfa("install", "--shell", "fish", "--completer", completer, "--yes", env=env)
    assert _autoload_files(config) == [] and not (config.parent / "functions").exists()
    assert config.read_text().count(rcblock.BEGIN) == 1
    assert awsmfa("status", "--shell", "fish", env=env, check=False).returncode == 0


def test_without_a_block_fish_uses_its_autoload_files(tmp_path):
    home, env, config, completer = _setup(tmp_path)
    awsmfa("install", "--shell", "fish", "--completer", completer, "--yes", env=env)
    assert config.read_text() == USERS_CONFIG and len(_autoload_files(config)) == 2
    assert awsmfa("status", "--shell", "fish", env=env, check=False).returncode == 0
    awsmfa("uninstall", "--shell", "fish", "--yes", env=env)
    assert config.read_text() == USERS_CONFIG and _autoload_files(config) == []
