"""fish uninstall removes only the folders fish install created (functions/, completions/):
one the user had before install stays, empty or not, and one install made stays while the
user keeps a file of their own in it. Real homes, the awsmfa command."""
import os

from awsshell_setup.shells import rcblock

from shellkit import awsmfa, base_env, fake_completer, new_home, snapshot


def _run(env, *args):
    return awsmfa(*args, "--shell", "fish", "--yes", env=env)


def test_folders_the_user_had_stay_after_uninstall(tmp_path):
    home = new_home(tmp_path)
    env = base_env(home)
    comp = fake_completer(tmp_path / "fakebin")
    for name in ("functions", "completions"):
        (home / ".config" / "fish" / name).mkdir(parents=True)
    before = snapshot(home)
    _run(env, "install", "--completer", comp)
    mfa = (home / ".config/fish/functions/mfa.fish").read_text()
    assert mfa.startswith(rcblock.OWNED_HEADER) and rcblock.FOLDER_NOTE not in mfa
    _run(env, "uninstall")
    assert snapshot(home) == before
    assert (home / ".config/fish/functions").is_dir() and (home / ".config/fish/completions").is_dir()


def test_folders_install_made_go_with_uninstall_unless_the_user_keeps_a_file_there(tmp_path):
    home = new_home(tmp_path)
    env = base_env(home)
    comp = fake_completer(tmp_path / "fakebin")
    _run(env, "install", "--completer", comp)
    for rel in ("functions/mfa.fish", "functions/mfa_prompt.fish", "completions/aws.fish"):
        assert (home / ".config/fish" / rel).read_text().startswith(rcblock.OWNED_HEADER + rcblock.FOLDER_NOTE), rel
    assert "nothing to change" in _run(env, "install", "--completer", comp).stderr  # the note stays as it is
    status = awsmfa("status", "--shell", "fish", env=env, check=False)
    assert "functions/mfa.fish: current" in status.stdout, status.stdout
    (home / ".config/fish/functions/mine.fish").write_text("function mine; end\n")
    _run(env, "uninstall")
    assert os.listdir(home / ".config/fish/functions") == ["mine.fish"]
    assert not (home / ".config/fish/completions").exists()
