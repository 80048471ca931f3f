"""After `awsmfa install --shell zsh`, a real interactive zsh (the block's compinit runs: the
home's rc has none) writes its completion dump; uninstall then gives the home back as it was,
with no ~/.zcompdump left. Needs the zsh template's compinit to write shells.Zsh.COMPDUMP."""
import subprocess

from awsshell_setup import shells

from shellkit import awsmfa, base_env, fake_completer, new_home, snapshot


def test_a_real_zsh_start_then_uninstall_leaves_the_home_as_it_was(tmp_path):
    home = new_home(tmp_path)
    env = base_env(home)
    comp = fake_completer(tmp_path / "fakebin")
    before = snapshot(home)
    awsmfa("install", "--shell", "zsh", "--yes", "--completer", comp, env=env)
    subprocess.run(["zsh", "-i", "-c", "true"], env=env, cwd=home, check=True, timeout=60,
                   stdin=subprocess.DEVNULL, capture_output=True)
    assert (home / shells.by_name("zsh").COMPDUMP).is_file() and not (home / ".zcompdump").exists()
    awsmfa("uninstall", "--yes", env=env)
    assert snapshot(home) == before
