"""The completion dump of awsmfa's zsh block: the block's `compinit` writes it to a file of
awsmfa's (`shells.Zsh.COMPDUMP` in ${ZDOTDIR:-~}), which uninstall deletes (--dry-run only says
so); a ~/.zcompdump of the user's own compinit stays. The dumps are made by a real zsh's
compinit, as a new shell makes them."""
import subprocess

from awsshell_setup import shells

from shellkit import awsmfa, base_env, fake_completer, new_home, snapshot


def _dump(env, path):
    subprocess.run(["zsh", "-f", "-c", f"autoload -Uz compinit && compinit -i -d {path}"], env=env, check=True,
                   timeout=60, stdin=subprocess.DEVNULL)


def test_uninstall_deletes_the_blocks_dump_and_keeps_the_users(tmp_path):
    home = new_home(tmp_path)
    env = base_env(home)
    comp = fake_completer(tmp_path / "fakebin")
    _dump(env, home / ".zcompdump")  # the user's own compinit, before awsmfa
    before = snapshot(home)
    awsmfa("install", "--shell", "zsh", "--yes", "--completer", comp, env=env)
    ours = home / shells.by_name("zsh").COMPDUMP
    _dump(env, ours)  # what the block's compinit writes when a new zsh starts
    assert ours.stat().st_size > 1000
    dry = awsmfa("uninstall", "--shell", "zsh", "--dry-run", env=env)
    assert f"would delete ~/{ours.name} (zsh's completion dump, made by awsmfa's block)" in dry.stderr, dry.stderr
    assert ours.exists()
    removed = awsmfa("uninstall", "--yes", env=env)
    assert f"deleted ~/{ours.name}" in removed.stderr, removed.stderr
    assert snapshot(home) == before


def test_a_dump_left_after_the_block_went_is_still_ours_to_delete(tmp_path):
    home = new_home(tmp_path, skel=False)
    env = base_env(home, ZDOTDIR=tmp_path / "zdot")
    (tmp_path / "zdot").mkdir()
    ours = tmp_path / "zdot" / shells.by_name("zsh").COMPDUMP
    _dump(env, ours)
    result = awsmfa("uninstall", "--shell", "zsh", "--yes", env=env)
    assert not ours.exists() and "deleted" in result.stderr, result.stderr
    again = awsmfa("uninstall", "--shell", "zsh", "--yes", env=env)
    assert "nothing to remove" in again.stderr, again.stderr
