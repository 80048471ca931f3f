"""A call-level differential test: the AssumeRole calls botocore's AssumeRoleProvider makes and
the calls awsmfa makes (`env --json --role-mfa per-role`, the mode whose first call is signed
with the user's keys as botocore's is), for generated role-profile layouts, recorded by one
STS stand-in over HTTP. Compared per call: role ARN, session name, external id, duration,
serial, signing region, endpoint (the URL path each profile's endpoint_url gives), the keys
that sign it, and the order. What still differs is awsmfa's documented design (docs/roles.md,
"Differences from botocore"); each normalisation below names its row, and nothing else may
differ.
"""
import datetime as dt
import http.server
import os
import random
import subprocess
import threading
import urllib.parse

import botocore.exceptions
import botocore.session
import pytest

from awsenv import AWSMFA
from awscli import clean_environment

LAYOUTS = 40
KEY = "AKIACALLSBASE"
DEV_BASE = "arn:aws:iam::111111111111:mfa/base-device"


class Recorder(http.server.ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.calls = []

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        params = {key: values[0] for key, values in urllib.parse.parse_qs(body).items()}
        scope = self.headers.get("Authorization", "").split("Credential=", 1)[-1].split(",", 1)[0].split("/")
        self.server.calls.append({"path": self.path.rstrip("/") or "/", "key": scope[0], "region": scope[2],
                                  **{k: v for k, v in params.items() if k not in ("Version", "TokenCode")}})
        end = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=int(params.get("DurationSeconds", 3600))))
        role = params.get("RoleArn", "user")
        answer = (f'<{params["Action"]}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                  f'<{params["Action"]}Result><Credentials><AccessKeyId>ASIA{abs(hash(role)) % 10**12:012d}'
                  f'</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken>'
                  f'<Expiration>{end.strftime("%Y-%m-%dT%H:%M:%SZ")}</Expiration></Credentials>'
                  '<AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/r/s</Arn>'
                  '<AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>'
                  f'</{params["Action"]}Result><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>'
                  f'</{params["Action"]}Response>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def recorder():
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def layout(seed, url):
    """(config text, credentials text, named profile) of a generated chain r0 <- ... <- base:
    optional settings on every role, a region here or there, the named role's endpoint_url
    always (the recorder at /named) and other profiles' sometimes (at their own paths)."""
    rng = random.Random(seed)
    hops = rng.randint(1, 3)
    config = f"[profile base]\nmfa_serial = {DEV_BASE}\n"
    if rng.random() < 0.5:
        config += f"region = {rng.choice(['eu-west-1', 'us-west-2'])}\n"
    if rng.random() < 0.5:
        config += f"endpoint_url = {url}/source\n"
    for index in range(hops):
        name = f"r{index}"
        source = "base" if index == 0 else f"r{index - 1}"
        config += f"[profile {name}]\nrole_arn = arn:aws:iam::{111111111111 + index}:role/r{index}\n" \
                  f"source_profile = {source}\n"
        if rng.random() < 0.5:
            config += f"role_session_name = s{seed}-{index}\n"
        if rng.random() < 0.4:
            config += f"external_id = ext{seed}{index}\n"
        if rng.random() < 0.4:
            config += f"duration_seconds = {rng.choice([900, 1800, 3600, 7200])}\n"
        if rng.random() < 0.4:
            config += f"mfa_serial = arn:aws:iam::111111111111:mfa/device-{index}\n"
        if rng.random() < 0.4:
            config += f"region = {rng.choice(['ap-south-1', 'eu-central-1'])}\n"
        if index == hops - 1:
            config += f"endpoint_url = {url}/named\n"
        elif rng.random() < 0.5:
            config += f"endpoint_url = {url}/hop{index}\n"
    credentials = f"[base]\naws_access_key_id = {KEY}\naws_secret_access_key = basesecret\n"
    return config, credentials, f"r{hops - 1}"


def botocore_calls(recorder, folder, name, region=None):
    session = botocore.session.Session(profile=name)
    if region:
        session.set_config_variable("region", region)  # as AWS_DEFAULT_REGION sets it
    session.set_config_variable("config_file", str(folder / "config"))
    session.set_config_variable("credentials_file", str(folder / "credentials"))
    provider = session.get_component("credential_provider").get_provider("assume-role")
    provider._prompter = lambda prompt: "123456"  # the MFA prompt: answered, as --token-code answers awsmfa's
    del recorder.calls[:]
    session.get_credentials().get_frozen_credentials()
    return list(recorder.calls)


def awsmfa_calls(recorder, folder, name, region=None):
    env = clean_environment(str(folder / "home"))
    env.update(AWS_CONFIG_FILE=str(folder / "config"), AWS_SHARED_CREDENTIALS_FILE=str(folder / "credentials"),
               AWS_EC2_METADATA_DISABLED="true")
    if region:
        env["AWS_DEFAULT_REGION"] = region
    del recorder.calls[:]
    result = subprocess.run(AWSMFA + ["env", "--json", "--profile", name, "--role-mfa", "per-role", "--force", "--token-code",
                                      "123456"], env=env, capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    return list(recorder.calls)


def documented(botocore, awsmfa, config):
    """botocore's calls with awsmfa's documented differences applied (docs/roles.md,
    "Differences from botocore"), for comparison with awsmfa's."""
    expected = []
    for index, call in enumerate(botocore):
        call = dict(call)
        # Row "session name": without role_session_name, botocore names it botocore-session-TIME,
        # awsmfa awsmfa-TIME.
        if call["RoleSessionName"].startswith("botocore-session-"):
            call["RoleSessionName"] = awsmfa[index]["RoleSessionName"]
        # Row "one code per chain": only the call signed with the user's keys takes a code (per-role
        # mode); a later hop's mfa_serial is not sent (its call is signed with a role session).
        # Row "a device for the first call": with no mfa_serial on the first hop, awsmfa still
        # sends the chain's (or the source's) device, where botocore sends none.
        if index > 0:
            call.pop("SerialNumber", None)
        elif "SerialNumber" not in call:
            call["SerialNumber"] = awsmfa[0].get("SerialNumber")
        # Row "durations": awsmfa always sends DurationSeconds (AssumeRole's default 3600 when
        # unset) and caps a chained hop at 3600, where AWS would refuse more.
        wanted = int(call.get("DurationSeconds", 3600))
        call["DurationSeconds"] = str(min(wanted, 3600) if index > 0 else wanted)
        expected.append(call)
    return expected


def _named_region(config):
    named = config.rsplit("[profile ", 1)[1]
    return "region = " in named


@pytest.mark.parametrize("seed", range(LAYOUTS))
def test_awsmfa_makes_the_calls_botocore_makes(recorder, tmp_path, seed):
    config, credentials, name = layout(seed, recorder.url)
    (tmp_path / "config").write_text(config)
    (tmp_path / "credentials").write_text(credentials)
    (tmp_path / "home").mkdir()
    os.environ.pop("AWS_PROFILE", None)
    region = None
    if not _named_region(config):
        # Row "region": botocore refuses a named role without a region (NoRegionError) where
        # awsmfa signs in its source's region (else us-east-1); compared below with the region
        # given as AWS_DEFAULT_REGION, which both read first.
        with pytest.raises(botocore.exceptions.NoRegionError):
            botocore_calls(recorder, tmp_path, name)
        source = config.split("[profile r0]")[0]
        alone = awsmfa_calls(recorder, tmp_path, name)
        assert {call["region"] for call in alone} == {source.split("region = ")[1].split()[0]
                                                      if "region = " in source else "us-east-1"}
        region = "sa-east-1"
    theirs = botocore_calls(recorder, tmp_path, name, region)
    ours = awsmfa_calls(recorder, tmp_path, name, region)
    assert [call["Action"] for call in ours] == ["AssumeRole"] * len(theirs)
    assert all(call["path"] == "/named" for call in theirs + ours), (theirs, ours)  # the named role's endpoint
    assert theirs[0]["key"] == ours[0]["key"] == KEY  # the first call: the user's keys
    keyless = [{k: v for k, v in call.items() if k != "key"} for call in ours]
    assert keyless == [{k: v for k, v in call.items() if k != "key"}
                       for call in documented(theirs, ours, config)], config
