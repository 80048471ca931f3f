"""Tab after `mfa --profile` inserts a profile name as text, never as code: a shared config's
`[profile prod$(touch${IFS}x)]` must not run `touch x` when the completed line runs. bash
inserts completions as they are (the template quotes them); zsh's compadd and fish quote
by themselves. Real interactive shells in a pseudo-terminal (tests/shellkit.py)."""
import pytest

from awsshell_setup import shells

from shellkit import Interactive, awsmfa, base_env, new_home, require_awsmfa

HOSTILE = "prod$(touch${IFS}x)"


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_a_hostile_profile_name_is_inserted_quoted(tmp_path, shell_name):
    require_awsmfa()
    home = new_home(tmp_path)
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text("[default]\naws_access_key_id = AKIAEXAMPLE\n")
    (home / ".aws" / "config").write_text(f"[profile {HOSTILE}]\nregion = eu-west-1\n")
    env = base_env(home)
    awsmfa("install", "--shell", shell_name, "--yes", env=env)
    with Interactive(shell_name, env) as session:
        session.child.send("mfa --profile pr\t")
        session.child.expect_exact("touch")  # the name is on the line
        # Run the completed line with `printf %s_ ` in front of it (Ctrl-A): its words joined by
        # `_`, which the echo of the typed line never shows. Unquoted, $(...) would run and
        # vanish from the word.
        session.child.send("\x01printf %s_ \r")
        session.child.expect_exact(f"mfa_--profile_{HOSTILE}_")
        session.wait_prompt()
    assert not (home / "x").exists()
