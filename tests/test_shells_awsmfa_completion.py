"""After `awsmfa install`, a real interactive bash, zsh and fish (in a pseudo-terminal, each in
a throwaway HOME) complete awsmfa itself with click's completion: subcommands, options, --shell
values, and the profile names of the home's ~/.aws files, also through the `mfa` function.
"""
import pytest

from awsshell_setup import shells

from shellkit import Interactive, awsmfa, base_env, new_home, require_awsmfa

# Profiles the Tab must offer: from the credentials file and from the config file.
CREDENTIALS = "[default]\naws_access_key_id = AKIAEXAMPLE\n\n[work]\naws_access_key_id = AKIAEXAMPLE2\n"
CONFIG = "[profile operations]\nregion = eu-west-1\n"


def _installed(tmp_path, shell_name):
    require_awsmfa()
    home = new_home(tmp_path)
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text(CREDENTIALS)
    (home / ".aws" / "config").write_text(CONFIG)
    env = base_env(home)
    awsmfa("install", "--shell", shell_name, "--yes", env=env)
    return env


def _completes(session, partial, completed):
    """Type `partial`, Tab; then print the line's words joined by `_` (Ctrl-A, `printf %s_ `):
    a text the echo of the typed line never contains."""
    session.child.send(partial + "\t")
    session.child.expect_exact(completed.split("_")[-2][-3:])
    session.child.send("\x01printf %s_ \r")
    session.child.expect_exact(completed)
    session.wait_prompt()


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_tab_completes_awsmfa_commands_options_and_shells(tmp_path, shell_name):
    env = _installed(tmp_path, shell_name)
    with Interactive(shell_name, env) as session:
        _completes(session, "awsmfa sta", "awsmfa_status_")
        _completes(session, "awsmfa env --sh", "awsmfa_env_--shell_")
        _completes(session, "awsmfa env --shell fi", "awsmfa_env_--shell_fish_")


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_tab_lists_the_profiles_of_the_aws_files(tmp_path, shell_name):
    env = _installed(tmp_path, shell_name)
    with Interactive(shell_name, env) as session:
        session.child.send("awsmfa env --profile \t")
        if shell_name == "bash":  # bash rings the bell on the first Tab and lists on the second
            session.child.expect_exact("\x07")
            session.child.send("\t")
        for name in ("default", "operations", "work"):
            session.child.expect_exact(name)
        session.child.send("\x03")
        session.wait_prompt()
        _completes(session, "awsmfa login --update-profile op", "awsmfa_login_--update-profile_operations_")


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_tab_after_mfa_completes_as_awsmfa_env(tmp_path, shell_name):
    env = _installed(tmp_path, shell_name)
    with Interactive(shell_name, env) as session:
        _completes(session, "mfa --profile w", "mfa_--profile_work_")
        _completes(session, "mfa --dur", "mfa_--duration-seconds_")


@pytest.mark.parametrize("shell_name", shells.SUPPORTED)
def test_a_bad_aws_file_completes_no_profile_and_no_error(tmp_path, shell_name):
    env = _installed(tmp_path, shell_name)
    (tmp_path / "home" / ".aws" / "config").write_text("[profile broken\nregion = x\n")
    with Interactive(shell_name, env) as session:
        session.child.send("awsmfa env --profile w\t")
        session.child.send("\x01printf %s_ \r")
        session.child.expect_exact("awsmfa_env_--profile_w_")
        session.wait_prompt()
        assert "Traceback" not in session.text() and "Error" not in session.text()


def test_profiles_come_from_the_files_the_aws_variables_name(tmp_path):
    """AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE win over ~/.aws, as for the AWS CLI."""
    import os
    import subprocess

    home = new_home(tmp_path, skel=False)
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text("[athome]\naws_access_key_id = AKIAEXAMPLE\n")
    (tmp_path / "creds").write_text("[elsewhere]\naws_access_key_id = AKIAEXAMPLE\n")
    (tmp_path / "conf").write_text("[profile fromconfig]\nregion = eu-west-1\n")
    env = base_env(home, AWS_SHARED_CREDENTIALS_FILE=tmp_path / "creds", AWS_CONFIG_FILE=tmp_path / "conf",
                   _AWSMFA_COMPLETE="bash_complete", COMP_WORDS="awsmfa logout --profile ", COMP_CWORD="3")
    answer = subprocess.run([os.path.join(os.path.dirname(require_awsmfa()), "awsmfa")], env=env,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.split() == ["plain,elsewhere", "plain,fromconfig"]


def _tab_answer(tmp_path, words):
    """What click's completion answers for `words` (the last one being completed)."""
    import os
    import subprocess

    from awsenv import renewing_profile, stored_session

    home = tmp_path / "home"
    if not home.exists():
        home = new_home(tmp_path, skel=False)
        (home / ".aws").mkdir()
        (home / ".aws" / "credentials").write_text("[default]\naws_access_key_id = AKIAEXAMPLE\n"
                                                   "aws_secret_access_key = secret\n" + stored_session("mfa", "default"))
        (home / ".aws" / "config").write_text("[profile ops]\nrole_arn = arn:aws:iam::111111111111:role/ops\n"
                                              "source_profile = default\n" + renewing_profile("ops-mfa-auto", "ops"))
    env = base_env(home, _AWSMFA_COMPLETE="bash_complete", COMP_WORDS=words, COMP_CWORD=str(len(words.split(" ")) - 1))
    answer = subprocess.run([os.path.join(os.path.dirname(require_awsmfa()), "awsmfa")], env=env,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert answer.returncode == 0, answer.stderr
    return answer.stdout.split()


def test_profile_tab_leaves_out_the_session_profiles_awsmfa_refuses_there(tmp_path):
    """--profile mfa and --profile ops-mfa-auto are refused (they are awsmfa's sessions), so Tab
    does not offer them; --update-profile, where a session profile is the point, still does."""
    assert _tab_answer(tmp_path, "awsmfa env --profile ") == ["plain,default", "plain,ops"]
    assert _tab_answer(tmp_path, "awsmfa env --update-profile ") == [
        "plain,default", "plain,mfa", "plain,ops", "plain,ops-mfa-auto"]
