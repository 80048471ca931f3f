"""New files are created with the mode the umask gives (0666 & ~umask), as any editor would;
the credentials file is 0600 whatever the umask. Existing files keep their mode.

Through the real CLI: `install` creating ~/.zshrc and fish's function and completion files,
`login` creating the credentials file against the local AWS.
"""
import os
import stat
import subprocess

import pytest

from awsenv import AWSMFA, AwsUser
from awscli import clean_environment

COMPLETER = os.path.join(os.path.dirname(AWSMFA[0]), "aws_completer")
CREATED = [".zshrc", ".config/fish/functions/mfa.fish", ".config/fish/completions/aws.fish"]


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def under_umask(umask, argv, env):
    """argv run by a shell that first sets `umask`, as a login shell's profile would."""
    return subprocess.run(["sh", "-c", f'umask {umask:03o} && exec "$@"', "sh", *argv], env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077, 0o002], ids=oct)
def test_install_creates_new_files_with_the_umask_mode(tmp_path, umask):
    if not os.access(COMPLETER, os.X_OK):
        pytest.fail(f"the AWS CLI's aws_completer is missing at {COMPLETER}")
    home = tmp_path / "home"
    home.mkdir()
    env = clean_environment(str(home))
    result = under_umask(umask, AWSMFA + ["install", "--shell", "zsh", "--shell", "fish", "--completer", COMPLETER,
                                          "--yes"], env)
    assert result.returncode == 0, result.stderr
    for name in CREATED:
        assert mode_of(home / name) == 0o666 & ~umask, (name, oct(mode_of(home / name)))


def test_install_keeps_the_mode_of_an_existing_file(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".zshrc").write_text("# mine\n")
    os.chmod(home / ".zshrc", 0o604)
    result = under_umask(0o077, AWSMFA + ["install", "--shell", "zsh", "--completer", COMPLETER, "--yes"],
                         clean_environment(str(home)))
    assert result.returncode == 0, result.stderr
    assert (home / ".zshrc").read_text().startswith("# mine\n") and mode_of(home / ".zshrc") == 0o604


@pytest.mark.parametrize("umask", [0o000, 0o022], ids=oct)
def test_a_new_credentials_file_is_0600_whatever_the_umask(tmp_path, local_aws, seed_user, umask):
    # Long-term keys in the config file (botocore allows it): login creates the credentials file.
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    user.write_config(f"[default]\nregion = us-east-1\nmfa_serial = {seed_user.serial_number}\n"
                      f"aws_access_key_id = {seed_user.access_key_id}\n"
                      f"aws_secret_access_key = {seed_user.secret_access_key}\n")
    assert not os.path.exists(user.credentials)
    result = under_umask(umask, AWSMFA + ["login", "--token-code", local_aws.fresh_code(seed_user.serial_number)],
                         user.environ())
    assert result.returncode == 0, result.stderr
    assert user.credentials_mode() == 0o600
