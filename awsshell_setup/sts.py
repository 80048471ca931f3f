"""The calls to AWS (STS GetSessionToken, IAM ListMFADevices), and their failures in words.

botocore is imported here and only here, and only when a call is needed: the cached path of
`awsmfa env` never imports this module (creating an STS client costs ~330 ms).

The client is built from the source profile's long-term keys, passed explicitly, so ambient
AWS_ACCESS_KEY_ID/AWS_SESSION_TOKEN/AWS_PROFILE left by an earlier `mfa` cannot leak into it
(aws-mfa #83, its most reported bug).
"""
import email.utils

from . import timeutil
from .debug import log
from .errors import AwsCallFailed, ProfileProblem
from .profiles import Credentials


CONNECT_TIMEOUT = 5
READ_TIMEOUT = 15
MAX_ATTEMPTS = 3
FALLBACK_REGION = "us-east-1"  # STS is global; a region is only needed to sign
_SKEW_CODES = {"RequestExpired", "RequestTimeTooSkewed", "InvalidSignatureException", "SignatureDoesNotMatch"}


class AwsClients:
    def __init__(self, source):
        import botocore.config
        import botocore.session

        # Name the source profile explicitly: an AWS_PROFILE=mfa left in the environment must
        # not decide the region or endpoint, nor fail with ProfileNotFound.
        session = botocore.session.Session(profile=source.name)
        self.region = source.region or session.get_config_variable("region") or FALLBACK_REGION
        self._session = session
        self._source = source
        self._config = botocore.config.Config(
            connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
            retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"})

    def client(self, service):
        client = self._session.create_client(
            service, region_name=self.region, config=self._config,
            aws_access_key_id=self._source.access_key_id,
            aws_secret_access_key=self._source.secret_access_key,
            aws_session_token=None)
        log("%s endpoint: %s (region %s)", service.upper(), client.meta.endpoint_url, self.region)
        return client

    def get_session_token(self, serial, code, duration):
        client = self.client("sts")
        with translated_errors(client, "GetSessionToken"):
            answer = client.get_session_token(DurationSeconds=duration, SerialNumber=serial, TokenCode=code)
        raw = answer["Credentials"]
        expiration = raw["Expiration"]
        return Credentials(raw["AccessKeyId"], raw["SecretAccessKey"], raw["SessionToken"],
                           expiration.astimezone(timeutil.UTC))

    def list_mfa_devices(self):
        client = self.client("iam")
        with translated_errors(client, "ListMFADevices", discovering=True):
            answer = client.list_mfa_devices()
        return [device["SerialNumber"] for device in answer.get("MFADevices", [])]


class translated_errors:
    """Turn botocore's exceptions into one actionable line (no secret in any of them)."""

    def __init__(self, client, operation, discovering=False):
        self.client, self.operation, self.discovering = client, operation, discovering

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None:
            return False
        import botocore.exceptions as bx

        url = self.client.meta.endpoint_url
        if isinstance(error, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ProxyConnectionError)):
            raise AwsCallFailed(f"cannot reach {url}: {_short(error)}",
                                hint="check the network, AWS_ENDPOINT_URL and proxy settings") from None
        if isinstance(error, bx.ReadTimeoutError):
            raise AwsCallFailed(f"{url} did not answer within {READ_TIMEOUT} s") from None
        if isinstance(error, bx.ClientError):
            raise self._client_error(error, url) from None
        if isinstance(error, (bx.BotoCoreError,)):
            raise AwsCallFailed(f"{self.operation} at {url} failed: {_short(error)}") from None
        return False

    def _client_error(self, error, url):
        info = error.response.get("Error", {})
        code, message = info.get("Code", "Unknown"), (info.get("Message") or "").strip()
        skew = _clock_skew(error.response)
        if code in _SKEW_CODES and skew is not None and abs(skew) > 300:
            direction = "behind" if skew > 0 else "ahead of"
            return AwsCallFailed(f"this machine's clock is {_about(abs(skew))} {direction} AWS's; "
                                 "AWS refuses requests more than 15 minutes off",
                                 hint="fix the system clock (timedatectl, chronyd or ntpd)")
        if self.operation == "GetSessionToken" and code == "AccessDenied" and "MultiFactorAuthentication" in message:
            return AwsCallFailed("AWS refused the MFA code (wrong, expired or already used)",
                                 hint="wait for the next code and try again; check the MFA device matches")
        if code == "AccessDenied" and "session credentials" in message:
            return ProfileProblem("the source profile holds session credentials; use your long-term keys")
        if code in ("InvalidClientTokenId", "UnrecognizedClientException"):
            return ProfileProblem("AWS does not know the source profile's access key (InvalidClientTokenId)",
                                  hint="the key was deleted or deactivated; create a new one and run `aws configure`")
        if code == "SignatureDoesNotMatch":
            return ProfileProblem("AWS rejected the source profile's secret key (SignatureDoesNotMatch)",
                                  hint="check aws_secret_access_key, or run `aws configure`")
        if code in ("ExpiredToken", "ExpiredTokenException"):
            return ProfileProblem("the source profile's credentials have expired (ExpiredToken)")
        if self.discovering and code in ("AccessDenied", "AccessDeniedException"):
            return ProfileProblem("no MFA device configured, and this user may not list its MFA devices "
                                  "(iam:ListMFADevices denied)",
                                  hint="pass --serial-number ARN or set mfa_serial in ~/.aws/config")
        return AwsCallFailed(f"{self.operation} failed at {url}: {code}: {message}")


def _clock_skew(response):
    """Seconds the server's clock is ahead of ours, from the answer's Date header; None if absent."""
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    try:
        server = email.utils.parsedate_to_datetime(headers["date"])
    except (KeyError, TypeError, ValueError):
        return None
    return (server - timeutil.now()).total_seconds()


def _about(seconds):
    """Skew in words: whole minutes (the Date header has one-second resolution anyway)."""
    minutes = round(seconds / 60)
    return f"about {minutes} minutes" if minutes >= 2 else f"about {round(seconds)} seconds"


def _short(error):
    """botocore's message on one line (ParamValidationError puts the reason on the next)."""
    return " ".join(line.strip() for line in str(error).splitlines() if line.strip())
