"""After `awsmfa install`, a real interactive bash, zsh and fish (in a pseudo-terminal, each in
a throwaway HOME) complete `aws ec2 stop-ins<Tab>` with the AWS CLI's own aws_completer, and
`mfa` at the prompt loads a session from the local AWS into that very shell.
"""
import os
import re

import pytest

from awsshell_setup import shells

from shellkit import Interactive, awsmfa, base_env, complete_aws_line, new_home, require_awsmfa

# Typed after the completion: Ctrl-A (start of line in bash, zsh and fish emacs mode) then
# `printf %s_ `, so the shell prints the completed words joined by `_`: a text the echo of
# the typed line never contains.




def _layout(tmp_path, shell_name, layout):
    """A throwaway home for the shell, in the default layout or with ZDOTDIR/XDG_CONFIG_HOME."""
    home = new_home(tmp_path)
    extra = {}
    if layout == "relocated":
        extra = {"ZDOTDIR": home / "zdot", "XDG_CONFIG_HOME": home / "xdg"}
        (home / "zdot").mkdir()
    return home, base_env(home, **extra)


@pytest.mark.parametrize("layout", ["default", "relocated"])
@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_tab_completes_aws_after_install(tmp_path, shell_name, layout):
    require_awsmfa()
    home, env = _layout(tmp_path, shell_name, layout)
    out = awsmfa("install", "--shell", shell_name, "--yes", env=env)
    assert "it answers" in out.stderr, out.stderr  # the real aws_completer was found and checked
    if layout == "relocated":
        expected = {"bash": home / ".bashrc", "zsh": home / "zdot" / ".zshrc",
                    "fish": home / "xdg" / "fish" / "functions" / "mfa.fish"}[shell_name]
        assert expected.exists()
        assert not (home / ".zshrc").exists() and not (home / ".config").exists()
    with Interactive(shell_name, env) as session:
        complete_aws_line(session)
        # Mid-line, after a pipe: the completion works on the command being typed.
        session.child.send("echo x | aws ec2 stop-ins\t")
        session.child.expect_exact("tances")
        session.child.send("\x03")  # Ctrl-C: drop the line
        session.wait_prompt()


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_completer_path_with_a_space(tmp_path, shell_name):
    """`complete -C` re-parses its argument: a path with a space must survive that."""
    home, env = _layout(tmp_path, shell_name, "default")
    folder = tmp_path / "my aws cli"
    folder.mkdir()
    real = os.path.join(os.path.dirname(require_awsmfa()), "aws_completer")
    assert os.path.exists(real), f"awscli's aws_completer is missing next to {real}"
    (folder / "aws_completer").symlink_to(real)
    awsmfa("install", "--shell", shell_name, "--yes", "--completer", str(folder / "aws_completer"), env=env)
    with Interactive(shell_name, env) as session:
        complete_aws_line(session)


def test_bash_login_shell_reaches_the_block(tmp_path):
    """A ~/.profile that does not source ~/.bashrc gets the block too (wrapped for sh)."""
    home = new_home(tmp_path)
    (home / ".profile").write_text("# my own profile\nexport EDITOR=vi\n")
    env = base_env(home)
    awsmfa("install", "--shell", "bash", "--yes", env=env)
    with Interactive("bash", env, extra_argv=["-l"]) as session:
        assert "function" in session.run("type -t mfa")
        complete_aws_line(session)


def _seeded_home(tmp_path, local_aws, seed_user, shell_name):
    home = new_home(tmp_path)
    aws = home / ".aws"
    aws.mkdir()
    (aws / "credentials").write_text("[default]\n"
                                     f"aws_access_key_id = {seed_user.access_key_id}\n"
                                     f"aws_secret_access_key = {seed_user.secret_access_key}\n")
    (aws / "config").write_text(f"[default]\nregion = us-east-1\nmfa_serial = {seed_user.serial_number}\n")
    env = base_env(home, AWS_ENDPOINT_URL=local_aws.endpoint_url)
    awsmfa("install", "--shell", shell_name, "--yes", env=env)
    return env


def _token(session):
    """The shell's AWS_SESSION_TOKEN ('' when unset), read with printenv (same in all shells)."""
    match = session.run("printenv AWS_SESSION_TOKEN | sed 's/^/SESSION-TOKEN /'; echo END-OF-''TOKEN",
                        expect=r"[\r\n](SESSION-TOKEN (\S+)\r?\n)?END-OF-TOKEN")
    return match.group(2) or ""


def _mfa(session, code, *args, answer=None):
    # `echo mfa-fail''ed` prints mfa-failed, which the echo of the typed line does not show.
    session.child.sendline(" ".join(["mfa", *args]) + " || echo mfa-fail''ed")
    session.child.expect(r"MFA code for arn:aws:iam::\d+:mfa/\S+: ")
    if answer is not None:
        session.child.send(answer)
    else:
        session.child.sendline(code)


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_mfa_loads_a_session_into_the_shell(tmp_path, local_aws, seed_user, shell_name):
    require_awsmfa()
    env = _seeded_home(tmp_path, local_aws, seed_user, shell_name)
    with Interactive(shell_name, env) as session:
        assert _token(session) == ""
        # Stopping the instance needs MFA: refused with the long-term keys.
        refused = session.run(f"aws ec2 stop-instances --instance-ids {seed_user.instance_id} --output text "
                              "|| echo STOP-REF''USED", expect=r"STOP-REFUSED\r?\n")
        assert refused

        _mfa(session, local_aws.fresh_code(seed_user.serial_number))
        session.wait_prompt()
        first = _token(session)
        assert first, "mfa left no AWS_SESSION_TOKEN in the shell:\n" + session.text()[-2000:]
        session.run("printenv AWS_PROFILE", expect=r"[\r\n]mfa\r?\n")
        who = session.run("aws sts get-caller-identity --query Arn --output text",
                          expect=r"(arn:aws:\S+)\r?\n")
        assert seed_user.user_name in who.group(1)
        session.run(f"aws ec2 stop-instances --instance-ids {seed_user.instance_id} --query "
                    "'StoppingInstances[0].InstanceId' --output text", expect=re.escape(seed_user.instance_id) + r"\r?\n")

        # A wrong code (--force: ask again although the session is valid) changes nothing.
        wrong = local_aws.totp_code(seed_user.serial_number, step_offset=-40)
        assert wrong != local_aws.totp_code(seed_user.serial_number)
        _mfa(session, wrong, "--force")
        session.child.expect(r"mfa-failed")
        session.wait_prompt()
        assert _token(session) == first
        session.run("printenv AWS_PROFILE", expect=r"[\r\n]mfa\r?\n")
        session.run("echo still-us''able", expect="still-usable")


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_mfa_cancelled_or_wrong_code_in_a_fresh_shell_exports_nothing(tmp_path, local_aws, seed_user, shell_name):
    require_awsmfa()
    env = _seeded_home(tmp_path, local_aws, seed_user, shell_name)
    with Interactive(shell_name, env) as session:
        # Ctrl-C at the code prompt: back at the shell prompt, nothing exported.
        _mfa(session, None, answer="\x03")
        session.wait_prompt()
        assert _token(session) == ""
        _mfa(session, local_aws.totp_code(seed_user.serial_number, step_offset=-40))
        session.child.expect(r"mfa-failed")
        session.wait_prompt()
        assert _token(session) == ""
        match = session.run("printenv AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY | wc -l; echo vars-chec''ked",
                            expect=r"[\r\n]\s*(\d+)\r?\nvars-checked")
        assert match.group(1) == "0"
