"""The local AWS behaves like AWS where the seed scenario needs it to.

Everything goes over HTTP, through boto3 and through the real aws CLI, as awsmfa itself will.
"""

import calendar
import json
import os
import re
import stat
import subprocess
import sys
import time
import urllib.request
from email.utils import parsedate_to_datetime

import pytest

from awsshell_setup.localaws import list_own_mfa_devices_statement, policy, provision_seed
from awsshell_setup.localaws.mfa import STEP_SECONDS, code_at

from awscli import aws_command, clean_environment, start_serve, stop_serve
from localaws_fixtures import error_of, session_keys


# -- helpers -------------------------------------------------------------------------------

def mfa_session(local, seed, **extra) -> dict:
    """GetSessionToken with a fresh code, over HTTP: the live call (awsenv's stored_session is
    the section awsmfa keeps afterwards)."""
    sts = local.client("sts", **seed.credentials)
    return sts.get_session_token(SerialNumber=seed.serial_number,
                                 TokenCode=local.fresh_code(seed.serial_number),
                                 **extra)["Credentials"]


def wrong_code(local, seed) -> str:
    """Six digits that no step around now accepts."""
    valid = {local.totp_code(seed.serial_number, offset) for offset in (-1, 0, 1)}
    return next(c for c in ("000000", "123456", "999999", "424242") if c not in valid)


def instance_state(local, instance_id) -> str:
    reservations = local.client("ec2").describe_instances(InstanceIds=[instance_id])
    return reservations["Reservations"][0]["Instances"][0]["State"]["Name"]


# -- long-term keys and the seed policy ------------------------------------------------------

def test_describe_instances_with_long_term_keys(local_aws, seed_user):
    ec2 = local_aws.client("ec2", **seed_user.credentials)
    ids = [i["InstanceId"] for r in ec2.describe_instances()["Reservations"]
           for i in r["Instances"]]
    assert ids == [seed_user.instance_id]


def test_stop_instances_needs_mfa(local_aws, seed_user):
    ec2 = local_aws.client("ec2", **seed_user.credentials)
    response = error_of(lambda: ec2.stop_instances(InstanceIds=[seed_user.instance_id]))
    assert response["Error"]["Code"] == "UnauthorizedOperation"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    message = response["Error"]["Message"]
    assert message.startswith("You are not authorized to perform this operation. User: "
                              f"{seed_user.user_arn} is not authorized to perform: "
                              "ec2:StopInstances")
    assert seed_user.instance_id in message
    assert instance_state(local_aws, seed_user.instance_id) == "running"


def test_session_without_mfa_still_cannot_stop(local_aws, seed_user):
    sts = local_aws.client("sts", **seed_user.credentials)
    creds = sts.get_session_token(DurationSeconds=900)["Credentials"]
    ec2 = local_aws.client("ec2", **session_keys(creds))
    assert ec2.describe_instances()["Reservations"]
    response = error_of(lambda: ec2.stop_instances(InstanceIds=[seed_user.instance_id]))
    assert response["Error"]["Code"] == "UnauthorizedOperation"


def test_list_mfa_devices_denied_by_seed_policy(local_aws, seed_user):
    iam = local_aws.client("iam", **seed_user.credentials)
    response = error_of(lambda: iam.list_mfa_devices())
    assert response["Error"]["Code"] == "AccessDenied"
    assert "iam:ListMFADevices" in response["Error"]["Message"]


def test_list_mfa_devices_allowed_with_extra_statement(local_aws):
    arn = "arn:aws:iam::123456789012:user/lister"
    seed = provision_seed(local_aws, user_name="lister",
                          extra_statements=[list_own_mfa_devices_statement(arn)])
    iam = local_aws.client("iam", **seed.credentials)
    devices = iam.list_mfa_devices()["MFADevices"]          # no UserName: the caller
    assert [d["SerialNumber"] for d in devices] == [seed.serial_number]
    # The statement names the user's own ARN only: another user's devices stay hidden.
    local_aws.client("iam").create_user(UserName="someone-else")
    response = error_of(lambda: iam.list_mfa_devices(UserName="someone-else"))
    assert response["Error"]["Code"] == "AccessDenied"


# -- GetSessionToken with MFA ---------------------------------------------------------------

def test_wrong_code_is_access_denied(local_aws, seed_user):
    sts = local_aws.client("sts", **seed_user.credentials)
    response = error_of(lambda: sts.get_session_token(
        SerialNumber=seed_user.serial_number, TokenCode=wrong_code(local_aws, seed_user)))
    assert response["Error"]["Code"] == "AccessDenied"
    assert response["Error"]["Message"] == (
        "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_valid_codes_give_unique_sessions(local_aws, seed_user):
    first = mfa_session(local_aws, seed_user, DurationSeconds=3600)
    second = mfa_session(local_aws, seed_user)
    for creds in (first, second):
        assert re.fullmatch(r"ASIA[A-Z0-9]{16}", creds["AccessKeyId"])
        assert len(creds["SecretAccessKey"]) == 40
        assert len(creds["SessionToken"]) > 100
    for field in ("AccessKeyId", "SecretAccessKey", "SessionToken"):
        assert first[field] != second[field]
    now = local_aws.now()
    assert abs(first["Expiration"].timestamp() - (now + 3600)) < 10
    assert abs(second["Expiration"].timestamp() - (now + 43200)) < 10   # the default


def test_reused_code_is_refused(local_aws, seed_user):
    sts = local_aws.client("sts", **seed_user.credentials)
    code = local_aws.fresh_code(seed_user.serial_number)
    sts.get_session_token(SerialNumber=seed_user.serial_number, TokenCode=code)
    response = error_of(lambda: sts.get_session_token(SerialNumber=seed_user.serial_number,
                                                      TokenCode=code))
    assert response["Error"]["Code"] == "AccessDenied"


def test_code_of_a_far_step_is_refused(local_aws, seed_user):
    sts = local_aws.client("sts", **seed_user.credentials)
    stale = local_aws.totp_code(seed_user.serial_number, step_offset=-3)
    if stale in {local_aws.totp_code(seed_user.serial_number, o) for o in (-1, 0, 1)}:
        pytest.skip("one-in-a-million collision of TOTP codes")
    response = error_of(lambda: sts.get_session_token(SerialNumber=seed_user.serial_number,
                                                      TokenCode=stale))
    assert response["Error"]["Code"] == "AccessDenied"


def test_serial_of_another_device_is_refused(local_aws, seed_user):
    other = local_aws.client("iam").create_virtual_mfa_device(
        VirtualMFADeviceName="not-enabled")["VirtualMFADevice"]["SerialNumber"]
    sts = local_aws.client("sts", **seed_user.credentials)
    response = error_of(lambda: sts.get_session_token(
        SerialNumber=other, TokenCode=local_aws.totp_code(other)))
    assert response["Error"]["Code"] == "AccessDenied"
    assert "MFA serial number" in response["Error"]["Message"]


@pytest.mark.parametrize("duration, bound", [(899, "greater than or equal to 900"),
                                             (129601, "less than or equal to 129600")])
def test_duration_must_be_in_range(local_aws, seed_user, duration, bound):
    sts = local_aws.client("sts", validate=False, **seed_user.credentials)
    response = error_of(lambda: sts.get_session_token(DurationSeconds=duration))
    assert response["Error"]["Code"] == "ValidationError"
    assert bound in response["Error"]["Message"]


def test_non_digit_code_is_a_validation_error(local_aws, seed_user):
    sts = local_aws.client("sts", **seed_user.credentials)
    response = error_of(lambda: sts.get_session_token(SerialNumber=seed_user.serial_number,
                                                      TokenCode="12345a"))
    assert response["Error"]["Code"] == "ValidationError"


def test_get_session_token_with_session_credentials(local_aws, seed_user):
    sts = local_aws.client("sts", **session_keys(mfa_session(local_aws, seed_user)))
    response = error_of(lambda: sts.get_session_token())
    assert response["Error"]["Code"] == "AccessDenied"
    assert response["Error"]["Message"] == "Cannot call GetSessionToken with session credentials"


# -- using the session ---------------------------------------------------------------------

def test_mfa_session_stops_the_instance(local_aws, seed_user):
    creds = session_keys(mfa_session(local_aws, seed_user))
    ec2 = local_aws.client("ec2", **creds)
    stopping = ec2.stop_instances(InstanceIds=[seed_user.instance_id])["StoppingInstances"]
    assert stopping[0]["InstanceId"] == seed_user.instance_id
    assert instance_state(local_aws, seed_user.instance_id) in ("stopping", "stopped")


def test_caller_identity_is_the_user_for_keys_and_sessions(local_aws, seed_user):
    by_key = local_aws.client("sts", **seed_user.credentials).get_caller_identity()
    creds = session_keys(mfa_session(local_aws, seed_user))
    by_session = local_aws.client("sts", **creds).get_caller_identity()
    for identity in (by_key, by_session):
        assert identity["Arn"] == seed_user.user_arn
        assert identity["Account"] == "123456789012"
    assert by_key["UserId"] == by_session["UserId"]


def test_session_expires_on_the_server_clock(local_aws, seed_user):
    creds = session_keys(mfa_session(local_aws, seed_user, DurationSeconds=900))
    local_aws.clock_offset = 890
    assert local_aws.client("sts", **creds).get_caller_identity()["Arn"] == seed_user.user_arn
    local_aws.clock_offset = 901
    response = error_of(lambda: local_aws.client("sts", **creds).get_caller_identity())
    assert response["Error"]["Code"] == "ExpiredToken"
    assert response["Error"]["Message"] == "The security token included in the request is expired"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # EC2 says it its own way (what users of expired sessions see: aws-vault #394).
    ec2 = local_aws.client("ec2", **creds)
    response = error_of(lambda: ec2.stop_instances(InstanceIds=[seed_user.instance_id]))
    assert response["Error"]["Code"] == "RequestExpired"


def test_session_token_must_match(local_aws, seed_user):
    creds = session_keys(mfa_session(local_aws, seed_user))
    creds["aws_session_token"] = creds["aws_session_token"][:-4] + "AAAA"
    response = error_of(lambda: local_aws.client("sts", **creds).get_caller_identity())
    assert response["Error"]["Code"] == "InvalidClientTokenId"


# -- authentication ------------------------------------------------------------------------

def test_wrong_secret_is_signature_does_not_match(local_aws, seed_user):
    bad = dict(seed_user.credentials, aws_secret_access_key="x" * 40)
    response = error_of(lambda: local_aws.client("sts", **bad).get_caller_identity())
    assert response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    response = error_of(lambda: local_aws.client("iam", **bad).list_mfa_devices())
    assert response["Error"]["Code"] == "SignatureDoesNotMatch"
    # A session's secret is checked too, not only the long-term key's.
    creds = session_keys(mfa_session(local_aws, seed_user))
    creds["aws_secret_access_key"] = "y" * 40
    response = error_of(lambda: local_aws.client("sts", **creds).get_caller_identity())
    assert response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_unknown_key_is_invalid_client_token(local_aws, seed_user):
    unknown = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "x" * 40}
    response = error_of(lambda: local_aws.client("sts", **unknown).get_caller_identity())
    assert response["Error"]["Code"] == "InvalidClientTokenId"
    assert response["Error"]["Message"] == "The security token included in the request is invalid."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    response = error_of(lambda: local_aws.client("ec2", **unknown).describe_instances())
    assert response["Error"]["Code"] == "AuthFailure"


def test_deleted_key_is_invalid(local_aws, seed_user):
    local_aws.client("iam").delete_access_key(UserName=seed_user.user_name,
                                              AccessKeyId=seed_user.access_key_id)
    response = error_of(
        lambda: local_aws.client("sts", **seed_user.credentials).get_caller_identity())
    assert response["Error"]["Code"] == "InvalidClientTokenId"


def test_clock_skew_over_15_minutes(local_aws, seed_user):
    local_aws.clock_offset = 3600          # the server is an hour ahead of the client
    client_time = time.time()
    response = error_of(
        lambda: local_aws.client("sts", **seed_user.credentials).get_caller_identity())
    assert response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    match = re.fullmatch(r"Signature expired: (\d{8}T\d{6}Z) is now earlier than "
                         r"(\d{8}T\d{6}Z) \((\d{8}T\d{6}Z) - 15 min\.\)",
                         response["Error"]["Message"])
    assert match, response["Error"]["Message"]
    signed, limit, server_now = (calendar.timegm(time.strptime(t, "%Y%m%dT%H%M%SZ"))
                                 for t in match.groups())
    assert server_now - limit == 900
    assert 3595 <= server_now - signed <= 3605
    date = parsedate_to_datetime(response["ResponseMetadata"]["HTTPHeaders"]["date"])
    assert abs(date.timestamp() - (client_time + 3600)) < 5


def test_small_clock_skew_is_tolerated(local_aws, seed_user):
    local_aws.clock_offset = -600
    assert local_aws.client("sts", **seed_user.credentials).get_caller_identity()


def test_unsigned_request_is_refused(local_aws, seed_user):
    request = urllib.request.Request(local_aws.endpoint_url + "/",
                                     data=b"Action=GetCallerIdentity&Version=2011-06-15")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request)
    assert info.value.code == 403
    assert b"<Code>MissingAuthenticationToken</Code>" in info.value.read()


def test_presigned_url_is_verified(local_aws, seed_user):
    sts = local_aws.client("sts", **seed_user.credentials)
    url = sts.generate_presigned_url("get_caller_identity", HttpMethod="GET")
    body = urllib.request.urlopen(url).read().decode()
    assert f"<Arn>{seed_user.user_arn}</Arn>" in body
    tampered = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")[:len(url)]
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(tampered)
    assert b"SignatureDoesNotMatch" in info.value.read()


def test_admin_key_is_not_subject_to_policies(local_aws, seed_user):
    ec2 = local_aws.client("ec2")
    ec2.stop_instances(InstanceIds=[seed_user.instance_id])
    assert instance_state(local_aws, seed_user.instance_id) in ("stopping", "stopped")
    bad = dict(local_aws.admin_credentials, aws_secret_access_key="z" * 40)
    response = error_of(lambda: local_aws.client("iam", **bad).list_users())
    assert response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_servers_start_and_stop_repeatedly(local_aws, seed_user):
    from awsshell_setup.localaws import LocalAWS

    for _ in range(2):
        with LocalAWS() as other:
            assert other.endpoint_url != local_aws.endpoint_url
            # start() gave a clean moto: the seed user provisioned before is gone.
            assert other.client("iam").list_users()["Users"] == []
            identity = other.client("sts").get_caller_identity()
            assert identity["Arn"] == "arn:aws:iam::123456789012:root"
            endpoint = other.endpoint_url
        with pytest.raises(OSError):
            urllib.request.urlopen(endpoint, timeout=2)


# -- codes -----------------------------------------------------------------------------------

def test_fresh_code_allows_logins_in_a_row(local_aws, seed_user):
    keys = {mfa_session(local_aws, seed_user)["AccessKeyId"] for _ in range(3)}
    assert len(keys) == 3


def test_totp_code_follows_the_server_clock(local_aws, seed_user):
    local_aws.clock_offset = 10 * STEP_SECONDS
    assert local_aws.totp_code(seed_user.seed) == code_at(seed_user.seed, local_aws.now())
    assert local_aws.totp_code(seed_user.serial_number) == local_aws.totp_code(seed_user.seed)


# -- the policy evaluator on its own -------------------------------------------------------

def _ctx(action="ec2:StopInstances", mfa=None, age=None, resources=None):
    return policy.RequestContext(action=action, resources=resources,
                                 principal_arn="arn:aws:iam::123456789012:user/u",
                                 user_name="u", user_id="AIDA", account_id="123456789012",
                                 mfa_present=mfa, mfa_age=age)


def _doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_policy_bool_condition_on_mfa():
    from awsshell_setup.localaws import SEED_POLICY
    assert not policy.evaluate([SEED_POLICY], _ctx()).allowed               # long-term key
    assert not policy.evaluate([SEED_POLICY], _ctx(mfa=False)).allowed
    assert policy.evaluate([SEED_POLICY], _ctx(mfa=True, age=5)).allowed
    assert policy.evaluate([SEED_POLICY], _ctx("EC2:describeinstances")).allowed
    assert not policy.evaluate([SEED_POLICY], _ctx("ec2:RebootInstances", mfa=True)).allowed


def test_policy_explicit_deny_wins_and_if_exists():
    allow_all = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    deny_without_mfa = {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
                        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
    docs = [_doc(allow_all), _doc(deny_without_mfa)]
    decision = policy.evaluate(docs, _ctx())
    assert not decision.allowed and decision.explicit_deny                  # key absent
    assert policy.evaluate(docs, _ctx(mfa=True, age=1)).allowed
    assert policy.evaluate(docs, _ctx("iam:ListMFADevices")).allowed        # NotAction


def test_policy_mfa_age_and_unknown_operators_fail_closed():
    recent = {"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
              "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}}
    assert policy.evaluate([_doc(recent)], _ctx(mfa=True, age=100)).allowed
    assert not policy.evaluate([_doc(recent)], _ctx(mfa=True, age=4000)).allowed
    assert not policy.evaluate([_doc(recent)], _ctx()).allowed               # no MFA age
    odd_allow = {"Effect": "Allow", "Action": "*", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
    assert not policy.evaluate([_doc(odd_allow)], _ctx(mfa=True, age=1)).allowed
    odd_deny = dict(odd_allow, Effect="Deny")
    allow_all = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    assert not policy.evaluate([_doc(allow_all, odd_deny)], _ctx()).allowed


def test_policy_resources_and_variables():
    own = {"Effect": "Allow", "Action": "iam:ListMFADevices",
           "Resource": "arn:aws:iam::*:user/${aws:username}"}
    mine = ["arn:aws:iam::123456789012:user/u"]
    theirs = ["arn:aws:iam::123456789012:user/v"]
    assert policy.evaluate([_doc(own)], _ctx("iam:ListMFADevices", resources=mine)).allowed
    assert not policy.evaluate([_doc(own)], _ctx("iam:ListMFADevices", resources=theirs)).allowed


# -- the real aws CLI ------------------------------------------------------------------------

def test_aws_cli_seed_scenario_end_to_end(local_aws, seed_user, aws_cli):
    instance = seed_user.instance_id

    described = aws_cli("ec2", "describe-instances", check=True)
    assert instance in described.stdout

    refused = aws_cli("ec2", "stop-instances", "--instance-ids", instance)
    assert refused.returncode != 0
    assert "UnauthorizedOperation" in refused.stderr

    wrong = aws_cli("sts", "get-session-token", "--serial-number", seed_user.serial_number,
                    "--token-code", wrong_code(local_aws, seed_user))
    assert wrong.returncode != 0
    assert "AccessDenied" in wrong.stderr

    code = local_aws.fresh_code(seed_user.serial_number)
    ok = aws_cli("sts", "get-session-token", "--serial-number", seed_user.serial_number,
                 "--token-code", code, "--duration-seconds", "3600", check=True)
    creds = json.loads(ok.stdout)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", creds["Expiration"])

    reused = aws_cli("sts", "get-session-token", "--serial-number", seed_user.serial_number,
                     "--token-code", code)
    assert reused.returncode != 0
    assert "AccessDenied" in reused.stderr

    with open(aws_cli.credentials_file, "a") as f:
        f.write("\n[mfa]\n"
                f"aws_access_key_id = {creds['AccessKeyId']}\n"
                f"aws_secret_access_key = {creds['SecretAccessKey']}\n"
                f"aws_session_token = {creds['SessionToken']}\n")
    stopped = aws_cli("ec2", "stop-instances", "--instance-ids", instance, "--profile", "mfa",
                      check=True)
    assert json.loads(stopped.stdout)["StoppingInstances"][0]["InstanceId"] == instance
    assert instance_state(local_aws, instance) in ("stopping", "stopped")


def test_aws_cli_errors_for_bad_credentials(local_aws, seed_user, aws_cli):
    aws_cli.credentials_file.write_text(
        "[default]\n"
        f"aws_access_key_id = {seed_user.access_key_id}\n"
        "aws_secret_access_key = wrong-secret\n"
        "[unknown]\n"
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = whatever\n")
    bad_secret = aws_cli("sts", "get-caller-identity")
    assert bad_secret.returncode != 0 and "SignatureDoesNotMatch" in bad_secret.stderr
    unknown = aws_cli("sts", "get-caller-identity", "--profile", "unknown")
    assert unknown.returncode != 0 and "InvalidClientTokenId" in unknown.stderr


# -- the commands for humans -----------------------------------------------------------------

def test_serve_and_code_commands(tmp_path):
    folder = tmp_path / "demo"
    env = clean_environment(tmp_path)
    server, text = start_serve(folder, env)
    try:
        exports = dict(re.findall(r"^export (AWS_[A-Z_]+)=(\S+)$", text, re.MULTILINE))
        assert set(exports) == {"AWS_ENDPOINT_URL", "AWS_SHARED_CREDENTIALS_FILE",
                                "AWS_CONFIG_FILE", "AWS_DEFAULT_REGION"}, text
        state = json.loads((folder / "localaws.json").read_text())
        assert state["instance_id"] in text
        for name in ("credentials", "localaws.json"):
            assert stat.S_IMODE(os.stat(folder / name).st_mode) == 0o600
        assert f"mfa_serial = {state['serial_number']}" in (folder / "config").read_text()

        before = time.time()
        code = subprocess.run([sys.executable, "-m", "awsshell_setup.localaws", "code",
                               "--dir", str(folder)], env=env, capture_output=True, text=True)
        after = time.time()
        assert code.returncode == 0, code.stderr
        assert re.fullmatch(r"\d{6}\n", code.stdout)
        assert code.stdout.strip() in {code_at(state["seed"], before),
                                       code_at(state["seed"], after)}

        # The files and exports are enough for the plain aws CLI.
        cli_env = dict(env, **exports)
        who = subprocess.run(aws_command() + ["sts", "get-caller-identity"], env=cli_env,
                             capture_output=True, text=True, timeout=60)
        assert json.loads(who.stdout)["Arn"] == state["user_arn"], who.stderr
    finally:
        stop_serve(server)
    assert server.returncode == 0


def test_importing_the_package_does_not_import_moto():
    probe = ("import sys, awsshell_setup, awsshell_setup.localaws; "
             "print(sorted(m for m in ('moto', 'werkzeug', 'boto3', 'pyotp') "
             "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


# -- serve never overwrites files it did not write -----------------------------------------

@pytest.mark.parametrize("present", [("credentials", "config"), ("credentials",), ("config",)])
def test_serve_refuses_a_folder_with_aws_files_it_did_not_write(tmp_path, present):
    folder = tmp_path / ".aws"
    folder.mkdir()
    mine = {
        "credentials": "[default]\naws_access_key_id = AKIAREALUSERKEY00000\n"
                       "aws_secret_access_key = the-real-secret\n",
        "config": "[default]\nregion = eu-west-3\n",
    }
    for name in present:
        (folder / name).write_text(mine[name])
        os.chmod(folder / name, 0o600)
    before = {p.name: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in folder.iterdir()}
    result = subprocess.run(
        [sys.executable, "-m", "awsshell_setup.localaws", "serve", "--port", "0",
         "--dir", str(folder)],
        env=clean_environment(tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert str(folder / present[0]) in result.stderr
    assert "--dir" in result.stderr                       # says what to do instead
    assert "the-real-secret" not in result.stderr
    after = {p.name: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in folder.iterdir()}
    assert after == before                                # nothing written, nothing added


def test_serve_refuses_a_symlink_in_place_of_its_files(tmp_path):
    real = tmp_path / "real-credentials"
    real.write_text("[default]\naws_access_key_id = AKIAREALUSERKEY00000\n")
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "credentials").symlink_to(real)
    result = subprocess.run(
        [sys.executable, "-m", "awsshell_setup.localaws", "serve", "--port", "0",
         "--dir", str(folder)],
        env=clean_environment(tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and len(result.stderr.splitlines()) == 1
    assert real.read_text() == "[default]\naws_access_key_id = AKIAREALUSERKEY00000\n"
    assert sorted(p.name for p in folder.iterdir()) == ["credentials"]


def test_serve_runs_again_in_its_own_folder(tmp_path):
    folder = tmp_path / "demo"
    env = clean_environment(tmp_path)
    first, text = start_serve(folder, env)
    try:
        assert "localaws: MFA codes:" in text, text
        first_key = json.loads((folder / "localaws.json").read_text())["access_key_id"]
    finally:
        stop_serve(first)
    # A file awsmfa or the user changed afterwards still carries the mark on its first line.
    with open(folder / "credentials", "a") as f:
        f.write("\n[mfa]\naws_access_key_id = ASIAEXAMPLE\n")
    second, text = start_serve(folder, env)
    try:
        assert "localaws: MFA codes:" in text, text
        state = json.loads((folder / "localaws.json").read_text())
        assert state["access_key_id"] != first_key
        assert state["access_key_id"] in (folder / "credentials").read_text()
    finally:
        stop_serve(second)
    assert second.returncode == 0


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "awsshell_setup.localaws", "serve", "--port", str(port),
                                 "--dir", str(tmp_path / "demo")], env=clean_environment(tmp_path),
                                capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 1, result.stderr
    assert result.stderr == f"localaws: cannot listen on 127.0.0.1:{port}: Address already in use\n", result.stderr
