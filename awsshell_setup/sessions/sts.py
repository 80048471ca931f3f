"""The calls to AWS (STS GetSessionToken and AssumeRole, IAM ListMFADevices), and their
failures in words.

botocore is imported here and only here, and only when a call is needed: the cached path of
`awsmfa env` never imports this module (creating an STS client costs ~330 ms).

The client is built from the source profile's long-term keys, passed explicitly, so ambient
AWS_ACCESS_KEY_ID/AWS_SESSION_TOKEN/AWS_PROFILE left by an earlier `mfa` cannot leak into it
(aws-mfa #83, its most reported bug).
"""
import email.utils
import os
import random
import time

from ..core import timeutil
from ..core.debug import log
from ..core.errors import AwsCallFailed, AwsmfaError, ProfileProblem, UsageError
from .profiles import Credentials


# Bounds on the wait when AWS is down, slow or throttling (each overridable by environment
# variable, in seconds, for tests and odd networks):
# - AWSMFA_CONNECT_TIMEOUT: one attempt to connect;
# - AWSMFA_READ_TIMEOUT: one wait for an answer once connected (STS answers in well under 1 s);
# - AWSMFA_DEADLINE: no new attempt starts past this time since the first call, so a whole run
#   waits at most about DEADLINE + READ_TIMEOUT (25 s), whatever fails.
# botocore's own retries are off (it would make 4 attempts of 15 s on a hang, 60 s and more):
# awsmfa retries itself, and only what is safe to send again (see _transient).
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
DEADLINE = 15.0
MAX_ATTEMPTS = 3
BACKOFF_BASE, BACKOFF_CAP = 0.25, 2.0  # full jitter: 0-0.5 s, then 0-1 s
FALLBACK_REGION = "us-east-1"  # STS is global; a region is only needed to sign
_SKEW_CODES = {"RequestExpired", "RequestTimeTooSkewed", "InvalidSignatureException", "SignatureDoesNotMatch"}
_THROTTLE_CODES = {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
                   "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"}


def seconds_setting(environ, name, default):
    text = environ.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:
        raise UsageError(f"{name} must be a number of seconds between 0 and 3600 (got {text!r})")
    return value


class AwsClients:
    """The botocore clients for one source profile, built before any prompt: every setting
    they read (region, endpoint URLs, STS and retry options, the profile as botocore finds it)
    is checked when this object is made, so a bad one costs no MFA code."""

    def __init__(self, source, environ=None, region=None, region_profile=None, role_profile=None):
        """source: the keys every call is signed with unless a session is given (a
        profiles.SourceProfile, or any object with name, access_key_id and secret_access_key:
        the seam for keys that come from elsewhere, sourcekeys.py).
        region: the profile's region to sign in (a role profile's, from `region_profile`),
        else the source's. As in botocore, AWS_DEFAULT_REGION wins over any profile's (an
        invalid one is refused, naming where it came from).
        role_profile: the role profile named, whose endpoint, CA bundle, FIPS and STS settings
        the AssumeRole calls use, as botocore's AssumeRoleProvider makes every hop's call with
        a client of the named profile's session (GetSessionToken and ListMFADevices keep the
        source's)."""
        import botocore.config
        import botocore.session

        environ = os.environ if environ is None else environ
        self._source, self._environ = source, environ
        self._region_profile = region_profile if region else None
        # botocore's order: the variable, then the profile (it reads only AWS_DEFAULT_REGION).
        self.region = (environ.get("AWS_DEFAULT_REGION") or "").strip() or region or source.region
        self._clients = {}
        self.connect_timeout = seconds_setting(environ, "AWSMFA_CONNECT_TIMEOUT", CONNECT_TIMEOUT)
        self.read_timeout = seconds_setting(environ, "AWSMFA_READ_TIMEOUT", READ_TIMEOUT)
        self.deadline_seconds = seconds_setting(environ, "AWSMFA_DEADLINE", DEADLINE)
        self.deadline = None  # set by the first call: building clients and prompting do not count
        self._assuming = (None, None, False, None)  # the AssumeRole under way, for its error message
        self.device = (None, None)  # (serial, where it came from): set by the caller, for messages
        try:
            # Name the source profile explicitly: an AWS_PROFILE=mfa left in the environment
            # must not decide the region or endpoint, nor fail with ProfileNotFound.
            session = botocore.session.Session(profile=source.name)
            self.region = self.region or session.get_config_variable("region") or FALLBACK_REGION
            self._session = session
            self._role_session = (botocore.session.Session(profile=role_profile)
                                  if role_profile and role_profile != source.name else session)
            self._config = botocore.config.Config(
                connect_timeout=self.connect_timeout, read_timeout=self.read_timeout,
                retries={"total_max_attempts": 1})
        except Exception as error:  # noqa: BLE001 - every refusal becomes one line
            raise _setup_error(error, self, "sts") from None
        self.client("sts", check_only=True)
        if self._role_session is not self._session:
            self.client("sts", for_role=True, check_only=True)  # the role profile's settings, before any code too

    def client(self, service, credentials=None, for_role=False, check_only=False):
        """A client signing with the source's long-term keys, or with `credentials` (an MFA or
        role session: profiles.Credentials), always passed explicitly; for_role: with the role
        profile's settings (AssumeRole). check_only: build it to check the settings, also before
        the source's keys are known (a secret store's, sourcekeys.keys_ready, not yet run)."""
        if credentials is None and self._source.access_key_id is None:
            if not check_only:
                raise AssertionError("a call signed with keys not yet fetched (sourcekeys.keys_ready)")
            keys = ("AKIAKEYSNOTYETFETCHED", "not-yet-fetched", None)  # never sent: no call is made with it
        elif credentials is None:
            keys = (self._source.access_key_id, self._source.secret_access_key, None)
        else:
            keys = (credentials.access_key_id, credentials.secret_access_key, credentials.session_token)
        if (service, keys[0], for_role) in self._clients:
            return self._clients[(service, keys[0], for_role)]
        try:
            client = (self._role_session if for_role else self._session).create_client(
                service, region_name=self.region, config=self._config,
                aws_access_key_id=keys[0], aws_secret_access_key=keys[1], aws_session_token=keys[2])
        except Exception as error:  # noqa: BLE001 - every refusal becomes one line
            raise _setup_error(error, self, service) from None
        url = client.meta.endpoint_url
        if not url.lower().startswith(("http://", "https://")):
            raise AwsmfaError(f"the {service.upper()} endpoint URL {url!r} ({_endpoint_origin(self._environ, service)}) "
                              "is not http:// or https://", hint="fix or unset it")
        log("%s endpoint: %s (region %s)", service.upper(), url, self.region)
        if keys[0] != "AKIAKEYSNOTYETFETCHED":
            self._clients[(service, keys[0], for_role)] = client
        return client

    def get_session_token(self, serial, code, duration):
        client = self.client("sts")
        # Not replayable: a request AWS may have received has spent the MFA code.
        answer = self._call(client, "GetSessionToken", client.get_session_token, replayable=False,
                            DurationSeconds=duration, SerialNumber=serial, TokenCode=code)
        raw = answer["Credentials"]
        expiration = raw["Expiration"]
        return Credentials(raw["AccessKeyId"], raw["SecretAccessKey"], raw["SessionToken"],
                           expiration.astimezone(timeutil.UTC))

    def assume_role(self, hop, duration, credentials=None, mode=None, serial=None, code=None, signed_by=None):
        """AssumeRole of `hop` (roleprofiles.RoleHop) signed with `credentials` (None: the long-term
        keys), with SerialNumber/TokenCode when given. Replayable only without a code: a
        request AWS may have received has spent it. signed_by: (session profile, its source)
        when `credentials` is a stored MFA session, for the message if AWS does not accept it."""
        client = self.client("sts", credentials, for_role=True)
        parameters = {"RoleArn": hop.role_arn, "DurationSeconds": duration,
                      "RoleSessionName": hop.role_session_name or f"awsmfa-{int(time.time())}"}
        if hop.external_id is not None:
            parameters["ExternalId"] = hop.external_id
        if code is not None:
            parameters.update(SerialNumber=serial, TokenCode=code)
        self._assuming = (hop, mode, code is not None, signed_by)
        answer = self._call(client, "AssumeRole", client.assume_role, replayable=code is None, **parameters)
        raw = answer["Credentials"]
        return Credentials(raw["AccessKeyId"], raw["SecretAccessKey"], raw["SessionToken"],
                           raw["Expiration"].astimezone(timeutil.UTC))

    def list_mfa_devices(self):
        client = self.client("iam")
        answer = self._call(client, "ListMFADevices", client.list_mfa_devices, replayable=True, discovering=True)
        return [device["SerialNumber"] for device in answer.get("MFADevices", [])]

    def _call(self, client, operation, method, replayable, discovering=False, **parameters):
        """One AWS call: retried while the failure is transient and the deadline allows, then
        turned into one actionable line (no secret, no response body)."""
        started = time.monotonic()
        if self.deadline is None:
            self.deadline = started + self.deadline_seconds
        attempt = 0
        while True:
            attempt += 1
            try:
                return method(**parameters)
            except Exception as error:  # noqa: BLE001 - every failure becomes one line
                why = _transient(error, replayable)
                pause = random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt))
                if why is None or attempt >= MAX_ATTEMPTS or time.monotonic() + pause >= self.deadline:
                    tries = f"{attempt} attempts in {time.monotonic() - started:.1f} s" if attempt > 1 else None
                    raise _translated(error, client, operation, discovering, self, tries) from None
                log("%s: %s; attempt %d of %d in %.1f s", operation, why, attempt + 1, MAX_ATTEMPTS, pause)
                time.sleep(pause)


def _setup_error(error, clients, service):
    """A setting botocore refused while building a client, in one line that names it."""
    import botocore.exceptions as bx

    environ, source = clients._environ, clients._source
    if isinstance(error, bx.ProfileNotFound):
        return ProfileProblem(f"the AWS SDK finds no profile [{source.name}]: it splits [profile NAME] headers "
                              "as a shell would, and cannot split this one",
                              hint="rename the profile to letters, digits, - and _")
    if isinstance(error, bx.InvalidRegionError):
        return AwsmfaError(f"invalid region {clients.region!r} ({_region_origin(environ, source, clients)})",
                           hint="a region looks like us-east-1")
    if isinstance(error, bx.InvalidSTSRegionalEndpointsConfigError):
        return AwsmfaError("AWS_STS_REGIONAL_ENDPOINTS (or sts_regional_endpoints in the config file) "
                           "must be legacy or regional")
    if isinstance(error, ValueError) and not isinstance(error, bx.BotoCoreError):
        # urllib's and botocore's checks of an endpoint URL ("Invalid endpoint: ...",
        # "Invalid IPv6 URL") are the ValueErrors client creation raises.
        origin = _endpoint_origin(environ, service)
        url = environ.get(origin) if origin.startswith("AWS_") else None
        shown = f" {url!r}" if url else ""
        return AwsmfaError(f"invalid endpoint URL{shown} ({origin}): {_short(error)}",
                           hint="it must look like https://host[:port]")
    if isinstance(error, bx.BotoCoreError):
        return AwsmfaError(f"the AWS SDK refuses a setting: {_short(error)}",
                           hint="check AWS_* variables and the config file")
    return AwsmfaError(f"cannot set up the AWS SDK's {service.upper()} client: {type(error).__name__}: {_short(error)}")


def _region_origin(environ, source, clients):
    if (environ.get("AWS_DEFAULT_REGION") or "").strip():  # botocore's only region variable (not AWS_REGION)
        return "AWS_DEFAULT_REGION"
    if clients._region_profile:
        return f"region of profile [{clients._region_profile}]"
    if source.region:
        return f"region of profile [{source.name}]"
    return "the config file"


def _endpoint_origin(environ, service):
    for name in (f"AWS_ENDPOINT_URL_{service.upper()}", "AWS_ENDPOINT_URL"):
        if environ.get(name):
            return name
    return "endpoint_url in the config file"


def _transient(error, replayable):
    """Why `error` is worth another attempt, or None. Never a reason to replay a request AWS
    may have acted on, unless it is `replayable` (GetSessionToken is not: its code is spent)."""
    import botocore.exceptions as bx
    from botocore.parsers import ResponseParserError

    if isinstance(error, (bx.EndpointConnectionError, bx.ConnectTimeoutError)):
        return "could not connect"  # nothing was sent
    if isinstance(error, bx.ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        code = error.response.get("Error", {}).get("Code")
        if code in _THROTTLE_CODES:
            return f"throttled ({code})"  # refused before it was acted on
        if status >= 500:
            return f"server error (HTTP {status} {code})"
        return None
    if replayable and isinstance(error, (bx.ReadTimeoutError, bx.ConnectionClosedError, ResponseParserError)):
        return type(error).__name__
    return None


def _translated(error, client, operation, discovering, clients, tries):
    """Turn botocore's exceptions into one actionable line (no secret in any of them: never
    the response body, which for GetSessionToken holds the session's keys)."""
    import botocore.exceptions as bx
    from botocore.parsers import ResponseParserError

    url = client.meta.endpoint_url
    after = f"; {tries}" if tries else ""
    with_code = operation == "GetSessionToken" or (operation == "AssumeRole" and clients._assuming[2])
    spent = "; if AWS got the request the code is spent, so wait for the next one" if with_code else ""
    if operation == "AssumeRole" and isinstance(error, bx.ClientError):
        return _assume_role_error(error, url, clients, after)
    if isinstance(error, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ProxyConnectionError)):
        reason = f"no connection within {clients.connect_timeout:g} s" if isinstance(error, bx.ConnectTimeoutError) \
            else "connection refused or no route"
        return AwsCallFailed(f"cannot reach {url}: {reason}{after}",
                             hint="check the network, AWS_ENDPOINT_URL and proxy settings")
    if isinstance(error, bx.ReadTimeoutError):
        return AwsCallFailed(f"{url} did not answer {operation} within {clients.read_timeout:g} s{after}{spent}")
    if isinstance(error, bx.ConnectionClosedError):
        return AwsCallFailed(f"{url} closed the connection without answering {operation}{after}{spent}")
    if isinstance(error, ResponseParserError):
        return AwsCallFailed(f"the answer from {url} to {operation} is not valid AWS XML{after}{spent}",
                             hint="is AWS_ENDPOINT_URL an AWS endpoint? is a proxy in the way?")
    if isinstance(error, bx.ClientError):
        return _client_error(error, url, operation, discovering, after, clients)
    if isinstance(error, bx.BotoCoreError):
        return AwsCallFailed(f"{operation} at {url} failed: {_short(error)}{after}")
    # Anything else: its type only (its text could quote the answer).
    return AwsCallFailed(f"{operation} at {url} failed: {type(error).__name__}{after}")


def _assume_role_error(error, url, clients, after):
    """AssumeRole's refusals, naming the role and what to change (never the answer's body)."""
    hop, mode, _, signed_by = clients._assuming
    info = error.response.get("Error", {})
    code, message = info.get("Code", "Unknown"), _short_text(info.get("Message") or "")
    role = f"role {hop.role_arn} (profile [{hop.profile}])" if hop is not None else "the role"
    if signed_by and code in ("InvalidClientTokenId", "UnrecognizedClientException", "ExpiredToken",
                              "SignatureDoesNotMatch"):
        # Signed with the stored MFA session, not the long-term keys: that session is the problem.
        session_profile, source = signed_by
        return AwsCallFailed(f"AWS does not accept the MFA session stored in [{session_profile}] ({code}); it was "
                             "revoked or changed", hint=f"get a new one with `awsmfa login --profile {source} --force`, "
                                                        "then try again")
    if code == "AccessDenied" and "MultiFactorAuthentication" in message:
        return _mfa_refusal(message, clients)
    if code == "AccessDenied":
        hint = "check the role's trust policy allows your user (and MFA, and external_id)"
        if mode == "shared":
            hint += "; a trust policy that limits aws:MultiFactorAuthAge needs a fresh code: --role-mfa per-role"
        return AwsCallFailed(f"AWS refused AssumeRole of {role}: {message}", hint=hint)
    if code == "ValidationError" and "DurationSeconds" in message:
        return AwsCallFailed(f"AWS refused the session length for {role}: {message}",
                             hint=f"lower duration_seconds in profile [{hop.profile if hop else '?'}] "
                                  "to the role's maximum session duration")
    return _client_error(error, url, "AssumeRole", False, after)


def _mfa_refusal(message, clients):
    """AWS's two MFA refusals told apart: a device AWS does not know as the calling user's
    ("...serial number is valid and associated with this user": a role's mfa_serial naming
    another user's device, say) is not a wrong code."""
    serial, how = clients.device if clients is not None else (None, None)
    if "associated with this user" in message or "serial number" in message:
        named = f"the MFA device {serial} ({how})" if serial else "the MFA device"
        return AwsCallFailed(f"AWS does not know {named} as a device of the user whose keys sign the call",
                             hint="point mfa_serial (or --serial-number) at that user's own device: "
                                  "aws iam list-mfa-devices")
    return AwsCallFailed("AWS refused the MFA code (wrong, expired or already used)",
                         hint="wait for the next code and try again; check the MFA device matches")


def _client_error(error, url, operation, discovering, after, clients=None):
    info = error.response.get("Error", {})
    code, message = info.get("Code", "Unknown"), _short_text(info.get("Message") or "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    skew = _clock_skew(error.response)
    if code in _SKEW_CODES and skew is not None and abs(skew) > 300:
        direction = "behind" if skew > 0 else "ahead of"
        return AwsCallFailed(f"this machine's clock is {_about(abs(skew))} {direction} AWS's; "
                             "AWS refuses requests more than 15 minutes off",
                             hint="fix the system clock (timedatectl, chronyd or ntpd)")
    if operation == "GetSessionToken" and code == "AccessDenied" and "MultiFactorAuthentication" in message:
        return _mfa_refusal(message, clients)
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
    if discovering and code in ("AccessDenied", "AccessDeniedException"):
        return ProfileProblem("no MFA device configured, and this user may not list its MFA devices "
                              "(iam:ListMFADevices denied)",
                              hint="pass --serial-number ARN or set mfa_serial in ~/.aws/config")
    if code in _THROTTLE_CODES:
        return AwsCallFailed(f"AWS is throttling {operation} requests ({code}: {message}){after}",
                             hint="too many calls from this account; wait a minute and try again")
    if status >= 500:
        return AwsCallFailed(f"AWS failed to answer {operation} (HTTP {status} {code}: {message}){after}",
                             hint="a problem on AWS's side; try again in a minute")
    return AwsCallFailed(f"{operation} failed at {url}: {code}: {message}{after}")


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
    return _short_text(str(error))


def _short_text(text):
    """A message on one line (ParamValidationError puts the reason on the next), and not too
    long of it: an error's text may quote a whole answer."""
    line = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return line if len(line) <= 300 else line[:300] + "..."
