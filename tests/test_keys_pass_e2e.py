"""Long-term keys from a real secret store: `pass` (Debian's package) with a throwaway gpg key
made here, holding the seed user's key as credential_process JSON. keyprocess gets the keys
from it, they make a GetSessionToken call against the local AWS with an MFA code, and the real
aws CLI reads the same config line; nothing is written to the AWS files."""
import json
import os
import subprocess

import pytest

from awsshell_setup.sessions import keyprocess
from awsshell_setup.sessions.profiles import AwsFiles
from awsenv import AwsUser

# pass and gpg are Debian packages the CI image installs: no skip when they are missing.


@pytest.fixture
def store(tmp_path):
    """A pass store in tmp_path, encrypted to a new passphrase-less gpg key; its environment."""
    gnupg = tmp_path / "gnupg"
    gnupg.mkdir(mode=0o700)
    env = dict(os.environ, GNUPGHOME=str(gnupg), PASSWORD_STORE_DIR=str(tmp_path / "store"),
               HOME=str(tmp_path))
    env.pop("GPG_AGENT_INFO", None)
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "awsmfa test <awsmfa@test.invalid>",
                    "default", "default", "never"], env=env, check=True, capture_output=True, timeout=120)
    subprocess.run(["pass", "init", "awsmfa@test.invalid"], env=env, check=True, capture_output=True, timeout=60)
    yield env
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, capture_output=True, timeout=30)


def insert(env, name, text):
    subprocess.run(["pass", "insert", "--multiline", name], input=text, text=True, env=env, check=True,
                   capture_output=True, timeout=60)


def test_keys_from_pass_make_an_mfa_session(local_aws, seed_user, store, tmp_path):
    insert(store, "aws/trainee", json.dumps({"Version": 1, "AccessKeyId": seed_user.access_key_id,
                                             "SecretAccessKey": seed_user.secret_access_key}))
    keys = keyprocess.long_term_keys("vault", "pass show aws/trainee", store)
    assert (keys.access_key_id, keys.secret_access_key) == (seed_user.access_key_id, seed_user.secret_access_key)
    sts = local_aws.client("sts", aws_access_key_id=keys.access_key_id, aws_secret_access_key=keys.secret_access_key)
    answer = sts.get_session_token(SerialNumber=seed_user.serial_number,
                                   TokenCode=local_aws.fresh_code(seed_user.seed))
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert local_aws.codes_spent == 1


def test_the_aws_cli_and_awsmfa_read_the_same_config_line(local_aws, seed_user, store, tmp_path):
    insert(store, "aws/trainee", json.dumps({"Version": 1, "AccessKeyId": seed_user.access_key_id,
                                             "SecretAccessKey": seed_user.secret_access_key}))
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    user.write_credentials("")
    user.write_config(f"[profile vault]\ncredential_process = pass show aws/trainee\nregion = us-east-1\n"
                      f"mfa_serial = {seed_user.serial_number}\n")
    env = {name: store[name] for name in ("GNUPGHOME", "PASSWORD_STORE_DIR")}
    cli = user.aws("sts", "get-caller-identity", "--profile", "vault", "--output", "json", env=env)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["Arn"] == seed_user.user_arn
    files = AwsFiles(user.environ(**env))
    command = keyprocess.process_of(files, "vault")
    keys = keyprocess.long_term_keys("vault", command, user.environ(**env))
    assert keys.access_key_id == seed_user.access_key_id
    # Nothing of the key reached the AWS files.
    assert user.read_credentials() == ""
    with open(user.config) as handle:
        assert seed_user.secret_access_key not in handle.read()


def test_a_session_in_the_store_is_refused(store):
    insert(store, "aws/session", json.dumps({"Version": 1, "AccessKeyId": "ASIAEXAMPLE",
                                             "SecretAccessKey": "secret", "SessionToken": "token"}))
    with pytest.raises(Exception) as info:
        keyprocess.long_term_keys("vault", "pass show aws/session", store)
    assert "SessionToken" in str(info.value) and "token" not in str(info.value).replace("SessionToken", "")


def test_awsmfa_sts_client_makes_a_session_with_keys_from_pass(local_aws, seed_user, store, tmp_path, monkeypatch):
    from awsshell_setup.sessions.sts import AwsClients

    insert(store, "aws/trainee", json.dumps({"Version": 1, "AccessKeyId": seed_user.access_key_id,
                                             "SecretAccessKey": seed_user.secret_access_key}))
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    user.write_credentials("")
    user.write_config(f"[profile vault]\ncredential_process = pass show aws/trainee\nregion = us-east-1\n"
                      f"mfa_serial = {seed_user.serial_number}\n")
    environ = user.environ(GNUPGHOME=store["GNUPGHOME"], PASSWORD_STORE_DIR=store["PASSWORD_STORE_DIR"])
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in environ.items():  # botocore reads the process's own environment
        monkeypatch.setenv(name, value)
    source = keyprocess.source_profile(AwsFiles(environ), "vault", environ)
    session = AwsClients(source, environ).get_session_token(source.mfa_serial,
                                                            local_aws.fresh_code(seed_user.seed), 900)
    assert session.access_key_id.startswith("ASIA") and local_aws.codes_spent == 1
    assert user.read_credentials() == ""
