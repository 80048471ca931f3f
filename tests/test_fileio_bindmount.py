"""Files that are mount points: a credentials file or .zshrc bind-mounted into a container
(`docker run -v ~/.aws/credentials:/root/.aws/credentials`). rename() cannot replace a mount
point (EBUSY), so awsmfa writes such a file in place, still under its lock and whole.

Real mounts: each run happens in a private mount namespace (`unshare -m`, as root), where a
file of the "host" (a folder outside HOME) is bind-mounted over the file in HOME. The
namespace, and its mounts, end with the run.

Also here, as it needs a real failure after STS has answered: `env` prints the session it
holds when storing it fails (a full filesystem), with a one-line warning; `login` says the
code was spent.
"""
import configparser
import os
import shlex
import stat
import subprocess

import pytest

from awsenv import AWSMFA, AwsUser, seed_user_files
from awscli import aws_command, clean_environment

COMPLETER = os.path.join(os.path.dirname(AWSMFA[0]), "aws_completer")


def in_namespace(setup, argv, env, terminal=False):
    """Run `argv` after the shell commands `setup`, in a mount namespace of its own. Without
    `terminal`, the run has no controlling terminal and stdin is /dev/null: a prompt fails."""
    command = ["unshare", "--mount", "--propagation", "private", "sh", "-ec", setup + '\nexec "$@"', "sh", *argv]
    if not terminal:
        command = ["setsid", "--wait"] + command
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module", autouse=True)
def mounts_work(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mountcheck")
    (folder / "a").write_text("host\n")
    (folder / "b").write_text("")
    result = in_namespace(f"mount --bind {folder / 'a'} {folder / 'b'}", ["cat", str(folder / "b")], dict(os.environ))
    if result.returncode != 0 or result.stdout != "host\n":
        pytest.fail(f"these tests need root and `unshare --mount` with `mount --bind`: {result.stderr.strip()}")


def bind(host_file, target):
    return f"mount --bind {shlex.quote(str(host_file))} {shlex.quote(str(target))}"


@pytest.fixture
def user(user, local_aws):
    local_aws.faults.seen = 0  # count awsmfa's requests only, not the provisioning's
    return user


@pytest.fixture
def host_credentials(tmp_path, user):
    """The host's credentials file, bind-mounted over ~/.aws/credentials, which is left an
    empty placeholder outside the namespace."""
    host = tmp_path / "host"
    host.mkdir()
    path = host / "credentials"
    path.write_text(user.read_credentials())
    os.chmod(path, 0o600)
    user.write_credentials("")
    return path


def sections(text):
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return {name: dict(parser.items(name)) for name in parser.sections()}


def issued(local_aws, key_id):
    session = local_aws.sessions.get(key_id)
    assert session is not None, key_id
    return session


def test_login_writes_a_bind_mounted_credentials_file_in_place(user, host_credentials, local_aws, seed_user):
    original = host_credentials.read_text()
    result = in_namespace(bind(host_credentials, user.credentials),
                          AWSMFA + ["login", "--token-code", local_aws.fresh_code(seed_user.serial_number)],
                          user.environ())
    assert result.returncode == 0, result.stderr
    text = host_credentials.read_text()
    assert text.startswith(original)  # the long-term profile, byte for byte
    stored = sections(text)["mfa"]
    assert issued(local_aws, stored["aws_access_key_id"]).session_token == stored["aws_session_token"]
    assert stat.S_IMODE(os.stat(host_credentials).st_mode) == 0o600
    assert sorted(os.listdir(user.aws_dir)) == ["config", "credentials"]  # no temporary file left
    assert sorted(os.listdir(host_credentials.parent)) == ["credentials"]
    assert user.read_credentials() == ""  # outside the namespace the placeholder is untouched
    # The AWS CLI reads the session from the host's file.
    who = subprocess.run(aws_command() + ["sts", "get-caller-identity", "--profile", "mfa"],
                         env=user.environ(AWS_SHARED_CREDENTIALS_FILE=str(host_credentials)),
                         capture_output=True, text=True, timeout=60)
    assert who.returncode == 0 and seed_user.user_arn in who.stdout, who.stderr


def test_env_then_env_again_reuses_the_session_in_the_mounted_file(user, host_credentials, local_aws, seed_user):
    setup = bind(host_credentials, user.credentials)
    first = in_namespace(setup, AWSMFA + ["env", "--shell", "bash", "--token-code",
                                          local_aws.fresh_code(seed_user.serial_number)], user.environ())
    assert first.returncode == 0 and "export AWS_SESSION_TOKEN=" in first.stdout, first.stderr
    again = in_namespace(setup, AWSMFA + ["env", "--shell", "bash"], user.environ())  # no code, no terminal
    assert again.returncode == 0 and again.stdout == first.stdout and "reusing session" in again.stderr
    assert len(local_aws.sessions.all()) == 1


@pytest.mark.parametrize("home", ["home", "my home\\dir"])  # mountinfo escapes space and backslash
def test_a_read_only_mounted_credentials_file_is_refused_before_the_prompt(tmp_path, local_aws, seed_user, home):
    user = AwsUser(tmp_path / home, endpoint_url=local_aws.endpoint_url)
    seed_user_files(user, seed_user)
    host_credentials = tmp_path / "host-credentials"
    host_credentials.write_text(user.read_credentials())
    user.write_credentials("")
    local_aws.faults.seen = 0
    before = host_credentials.read_text()
    setup = bind(host_credentials, user.credentials) + f"\nmount -o remount,bind,ro {shlex.quote(user.credentials)}"
    result = in_namespace(setup, AWSMFA + ["env"], user.environ())  # no code, no terminal: a prompt would fail
    assert result.returncode != 0 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "read-only" in lines[0] and "no terminal" not in lines[0], result.stderr
    assert host_credentials.read_text() == before and local_aws.requests_seen == 0


def full_aws_folder(user, tmp_path):
    """Shell commands making ~/.aws a tiny tmpfs holding the user's two files and nothing
    free: the temporary file's first byte gets ENOSPC, after STS has answered."""
    spare = tmp_path / "spare"
    spare.mkdir()
    for name in ("credentials", "config"):
        os.replace(os.path.join(user.aws_dir, name), spare / name)
    folder = shlex.quote(user.aws_dir)
    return (f"mount -t tmpfs -o size=64k,mode=0700 tmpfs {folder}\n"
            f"cp -p {shlex.quote(str(spare))}/credentials {shlex.quote(str(spare))}/config {folder}/\n"
            f"dd if=/dev/zero of={folder}/.filler bs=4096 2>/dev/null || true")


def test_env_prints_the_session_it_could_not_store_with_a_warning(user, tmp_path, local_aws, seed_user):
    setup = full_aws_folder(user, tmp_path)
    result = in_namespace(setup, AWSMFA + ["env", "--shell", "bash", "--token-code",
                                           local_aws.fresh_code(seed_user.serial_number)], user.environ())
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "not stored" in warnings[0] and "No space left" in warnings[0], result.stderr
    [session] = local_aws.sessions.all()
    assert session.secret_access_key not in result.stderr and session.session_token not in result.stderr
    # What env printed is that session, and it works.
    exported = subprocess.run(["bash", "-c", result.stdout + '\nprintf "%s\\n" "$AWS_ACCESS_KEY_ID"'],
                              capture_output=True, text=True, timeout=30)
    assert exported.stdout.strip() == session.access_key_id
    env = clean_environment(user.home)
    env.update(AWS_ACCESS_KEY_ID=session.access_key_id, AWS_SECRET_ACCESS_KEY=session.secret_access_key,
               AWS_SESSION_TOKEN=session.session_token, AWS_ENDPOINT_URL=local_aws.endpoint_url,
               AWS_DEFAULT_REGION="us-east-1", AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_CONFIG_FILE="/nonexistent")
    who = subprocess.run(aws_command() + ["sts", "get-caller-identity"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert who.returncode == 0 and seed_user.user_arn in who.stdout, who.stderr


def test_env_json_prints_the_session_it_could_not_store(user, tmp_path, local_aws, seed_user):
    result = in_namespace(full_aws_folder(user, tmp_path),
                          AWSMFA + ["env", "--json", "--token-code", local_aws.fresh_code(seed_user.serial_number)],
                          user.environ())
    assert result.returncode == 0, result.stderr
    [session] = local_aws.sessions.all()
    assert f'"AccessKeyId": "{session.access_key_id}"' in result.stdout
    assert len(result.stderr.strip().splitlines()) == 1 and "not stored" in result.stderr


def test_login_that_cannot_store_says_the_code_is_spent(user, tmp_path, local_aws, seed_user):
    result = in_namespace(full_aws_folder(user, tmp_path),
                          AWSMFA + ["login", "--token-code", local_aws.fresh_code(seed_user.serial_number)],
                          user.environ())
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "No space left" in lines[0] and "code" in lines[0], result.stderr
    [session] = local_aws.sessions.all()
    assert session.secret_access_key not in result.stderr and session.session_token not in result.stderr


def test_install_writes_a_bind_mounted_zshrc_in_place_and_every_shell_named(tmp_path):
    if not os.access(COMPLETER, os.X_OK):
        pytest.fail(f"the AWS CLI's aws_completer is missing at {COMPLETER}")
    home = tmp_path / "home"
    home.mkdir()
    host = tmp_path / "host"
    host.mkdir()
    (host / "zshrc").write_text("# the host's zshrc\nsetopt autocd\n")
    os.chmod(host / "zshrc", 0o640)
    (home / ".zshrc").write_text("")
    result = in_namespace(bind(host / "zshrc", home / ".zshrc"),
                          AWSMFA + ["install", "--shell", "bash", "--shell", "zsh", "--completer", COMPLETER, "--yes"],
                          clean_environment(str(home)))
    assert result.returncode == 0, result.stderr
    zshrc = (host / "zshrc").read_text()
    assert zshrc.startswith("# the host's zshrc\nsetopt autocd\n") and "mfa" in zshrc[40:]
    assert stat.S_IMODE(os.stat(host / "zshrc").st_mode) == 0o640
    assert "mfa" in (home / ".bashrc").read_text()
    assert not [name for name in os.listdir(home) if name.endswith(".awsmfa-tmp")]
    # Run again: nothing changes (the block is found in the mounted file).
    again = in_namespace(bind(host / "zshrc", home / ".zshrc"),
                         AWSMFA + ["install", "--shell", "bash", "--shell", "zsh", "--completer", COMPLETER, "--yes"],
                         clean_environment(str(home)))
    assert again.returncode == 0 and (host / "zshrc").read_text() == zshrc, again.stderr
