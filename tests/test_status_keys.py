"""`awsmfa status --keys` against the local AWS: the source profile's access key and its age,
with one IAM call (ListAccessKeys, signed with that key); a key from a secret store
(credential_process) read through the store only with --keys; a failure (AWS out of reach,
AccessDenied) one line, with the exit status that of status without --keys (it says whether
the shells are set up, which neither the network nor IAM's policy changes). Never a secret.
"""
import datetime as dt
import json
import os
import re

import pytest

from awsenv import AwsUser, offline_user
from awsshell_setup.sessions import rotate
from awsshell_setup.setup import status as status_report
from awsshell_setup.localaws import provision_seed
from awsshell_setup.localaws.scenario import own_access_keys_statements


@pytest.fixture
def keys_user(local_aws):
    return provision_seed(local_aws, extra_statements=own_access_keys_statements())


def home_of(tmp_path, local_aws, seed, credentials=None, config=None):
    user = AwsUser(tmp_path / "home", endpoint_url=local_aws.endpoint_url)
    user.write_credentials(credentials if credentials is not None else
                           f"[default]\naws_access_key_id = {seed.access_key_id}\n"
                           f"aws_secret_access_key = {seed.secret_access_key}\n")
    user.write_config(config or f"[default]\nregion = us-east-1\nmfa_serial = {seed.serial_number}\n")
    return user


def key_line(result):
    found = [line for line in result.stdout.splitlines() if line.startswith("access key ")]
    assert len(found) == 1, result.stdout + result.stderr
    return found[0]


def shown(key_id):
    return f"{key_id[:4]}…{key_id[-4:]}"


def test_keys_says_the_age_of_the_source_key_with_one_call(local_aws, keys_user, tmp_path):
    home = home_of(tmp_path, local_aws, keys_user)
    plain = home.awsmfa("status")
    seen = local_aws.requests_seen
    result = home.awsmfa("status", "--keys")
    assert local_aws.requests_seen == seen + 1  # ListAccessKeys, and nothing else
    assert key_line(result) == f"access key {shown(keys_user.access_key_id)} of [default]: created today"
    assert result.returncode == plain.returncode  # the same exit as without --keys
    assert keys_user.access_key_id not in result.stdout and keys_user.secret_access_key not in result.stdout
    assert "access key" not in plain.stdout  # only when asked


def test_keys_of_a_role_are_its_sources(local_aws, keys_user, tmp_path):
    home = home_of(tmp_path, local_aws, keys_user, config=(
        f"[default]\nregion = us-east-1\nmfa_serial = {keys_user.serial_number}\n\n"
        "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = default\n"))
    result = home.awsmfa("status", "--keys", "--profile", "ops")
    assert key_line(result) == f"access key {shown(keys_user.access_key_id)} of [default]: created today"


def test_an_old_key_is_given_its_age_and_what_replaces_it():
    age = rotate.KeyAge("AKIAIOSFODNN7EXAMPLE", dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), "Active")
    moment = dt.datetime(2026, 8, 3, 12, tzinfo=dt.timezone.utc)  # 214 days on
    assert status_report.describe_key_age("default", age, False, moment) == \
        "access key AKIA…MPLE of [default]: created 214 days ago; `awsmfa rotate` replaces it"
    assert status_report.describe_key_age("vault", age, True, moment) == \
        "access key AKIA…MPLE of [vault] (from its secret store): created 214 days ago; make a new one " \
        "(`aws iam create-access-key`) and put it in your secret store"
    young = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
    assert status_report.describe_key_age("default", age, False, young).endswith(": created 1 day ago")
    hostile = rotate.KeyAge("AKIA\x1b[2Jx", age.created, "Inactive\x1b]0;t\x07")
    assert "\x1b" not in status_report.describe_key_age("a\x1bb", hostile, False, young)


def test_a_key_from_a_secret_store_is_read_through_it_only_with_keys(local_aws, keys_user, tmp_path):
    runs = tmp_path / "runs"
    store = tmp_path / "store"
    store.write_text(f"#!/bin/sh\necho run >> {runs}\n"
                     f"echo '{json.dumps({'Version': 1, 'AccessKeyId': keys_user.access_key_id, 'SecretAccessKey': keys_user.secret_access_key})}'\n")
    os.chmod(store, 0o755)
    home = home_of(tmp_path, local_aws, keys_user, credentials="", config=(
        f"[profile vault]\ncredential_process = {store}\nregion = us-east-1\nmfa_serial = {keys_user.serial_number}\n"))
    plain = home.awsmfa("status", "--profile", "vault")
    assert not runs.exists(), plain.stdout  # plain status never runs the store
    result = home.awsmfa("status", "--keys", "--profile", "vault")
    assert runs.read_text() == "run\n"
    assert key_line(result) == f"access key {shown(keys_user.access_key_id)} of [vault] (from its secret store): " \
                               "created today"
    assert keys_user.secret_access_key not in result.stdout + result.stderr
    assert result.returncode == plain.returncode


def test_access_denied_is_one_line_and_leaves_the_exit_alone(local_aws, tmp_path):
    seed = provision_seed(local_aws)  # the seed's policy: EC2 only, no iam:ListAccessKeys
    home = home_of(tmp_path, local_aws, seed)
    plain = home.awsmfa("status")
    result = home.awsmfa("status", "--keys")
    line = key_line(result)
    assert line.startswith("access key of [default]: cannot tell: AWS refused ListAccessKeys"), line
    assert "iam:ListAccessKeys" in line and result.returncode == plain.returncode, line
    assert result.stderr == "" and seed.secret_access_key not in result.stdout


def test_aws_out_of_reach_is_one_line_and_leaves_the_exit_alone(tmp_path):
    home = offline_user(tmp_path / "home")
    plain = home.awsmfa("status")
    result = home.awsmfa("status", "--keys", env={"AWSMFA_CONNECT_TIMEOUT": "2"})
    line = key_line(result)
    assert re.fullmatch(r"access key of \[default\]: cannot tell: cannot reach AWS for ListAccessKeys \(.*\)", line), line
    assert result.returncode == plain.returncode and result.stderr == ""
