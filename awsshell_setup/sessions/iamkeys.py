"""The AWS calls on an IAM user's access keys (for `awsmfa rotate` and the key's age), and
their failures in one line each.

The clients come from sts.AwsClients (its region, endpoint and timeout settings, its explicit
keys: nothing ambient leaks in), so botocore is imported only when a call is certain. Answers
are read for the fields needed and nothing else: CreateAccessKey's answer holds the new secret,
which leaves this module only inside the NewKey it returns, never in a message or the trace.

Retries: a call that changes nothing (GetCallerIdentity, ListAccessKeys) or whose repeat is
harmless (DeleteAccessKey: a second one finds no such key, which counts as done) is retried on
throttling, a 5xx or a connection that failed, with backoff, a few times; CreateAccessKey never
is (a lost answer may have made a key: rotate's journal finds it afterwards).
"""
import random
import time

from ..core.debug import log
from ..core.errors import AwsCallFailed, ProfileProblem

_RETRY_CODES = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "ServiceUnavailable",
                "InternalFailure", "InternalError"}
# What AWS answers for a key it does not know (yet): a new key while IAM propagates it.
UNKNOWN_KEY_CODES = {"InvalidClientTokenId", "UnrecognizedClientException", "AuthFailure"}


class KeyInfo:
    """One of a user's access keys as ListAccessKeys describes it (no secret there)."""

    __slots__ = ("access_key_id", "status", "created")

    def __init__(self, access_key_id, status, created):
        self.access_key_id, self.status, self.created = access_key_id, status, created

    def __repr__(self):
        return f"KeyInfo({self.access_key_id!r}, {self.status!r}, {self.created})"


class NewKey:
    """A key CreateAccessKey made: its id and secret. repr hides the secret."""

    __slots__ = ("access_key_id", "secret_access_key")

    def __init__(self, access_key_id, secret_access_key):
        self.access_key_id, self.secret_access_key = access_key_id, secret_access_key

    def __repr__(self):
        return f"NewKey({self.access_key_id!r})"


class CallFailed(AwsCallFailed):
    """An AWS call refused or unreachable; `code` is AWS's error code (None: no answer)."""

    def __init__(self, message, code=None, hint=None):
        super().__init__(message, hint=hint, done=None)
        self.code = code


class KeyCalls:
    """The calls, signed with the keys each call is given (profiles.Credentials-like objects:
    access_key_id, secret_access_key, session_token)."""

    def __init__(self, clients):
        self.clients = clients  # sts.AwsClients of the source profile

    def caller_arn(self, keys=None):
        """GetCallerIdentity's Arn, signed with `keys` (None: the source's long-term keys)."""
        client = self.clients.client("sts", keys)
        return _call("GetCallerIdentity", client.get_caller_identity, True)["Arn"]

    def list_keys(self, user_name, keys=None):
        client = self.clients.client("iam", keys)
        parameters = {"UserName": user_name} if user_name else {}
        answer = _call("ListAccessKeys", client.list_access_keys, True, **parameters)
        return [KeyInfo(item["AccessKeyId"], item.get("Status"), item.get("CreateDate"))
                for item in answer.get("AccessKeyMetadata", [])]

    def create_key(self, user_name, keys):
        client = self.clients.client("iam", keys)
        answer = _call("CreateAccessKey", client.create_access_key, False, UserName=user_name)["AccessKey"]
        return NewKey(answer["AccessKeyId"], answer["SecretAccessKey"])

    def delete_key(self, user_name, access_key_id, keys):
        """Delete the key; True if it was there, False if AWS knew no such key (done already)."""
        client = self.clients.client("iam", keys)
        try:
            _call("DeleteAccessKey", client.delete_access_key, True, UserName=user_name, AccessKeyId=access_key_id)
        except CallFailed as error:
            if error.code == "NoSuchEntity":
                return False
            raise
        return True


def _call(operation, method, replayable, **parameters):
    from .sts import MAX_ATTEMPTS  # here, not at the top: sts is botocore's user, which --user's preload leaves out

    attempt = 0
    while True:
        attempt += 1
        try:
            return method(**parameters)
        except Exception as error:  # noqa: BLE001 - every failure becomes one line
            code, retry = _classify(error, replayable)
            if not retry or attempt >= MAX_ATTEMPTS:
                raise _translated(operation, error, code) from None
            pause = random.uniform(0, 0.5 * 2 ** attempt)
            log("%s: %s; attempt %d of %d in %.1f s", operation, code or type(error).__name__, attempt + 1,
                MAX_ATTEMPTS, pause)
            time.sleep(pause)


# sts is the one module that imports botocore (docs/ARCHITECTURE.md §2): its exceptions are
# told apart here by what they carry (a ClientError's `response`) and by class name.
_NOT_SENT = {"EndpointConnectionError", "ConnectTimeoutError", "ProxyConnectionError"}
_MAYBE_SENT = {"ReadTimeoutError", "ConnectionClosedError"}


def _kinds(error):
    return {cls.__name__ for cls in type(error).__mro__}


def _answer(error):
    """The parsed AWS error answer of a ClientError, else None."""
    response = getattr(error, "response", None)
    return response if isinstance(response, dict) and "Error" in response else None


def _classify(error, replayable):
    """(AWS's error code or None, whether to try again)."""
    response = _answer(error)
    if response is not None:
        code = response.get("Error", {}).get("Code")
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return code, (code in _RETRY_CODES or status >= 500) and (replayable or code in _RETRY_CODES)
    if _kinds(error) & _NOT_SENT:
        return None, True  # nothing was sent
    return None, replayable and bool(_kinds(error) & _MAYBE_SENT)


def _translated(operation, error, code):
    """One line, never the answer's body (CreateAccessKey's holds a secret)."""
    response = _answer(error)
    if response is not None:
        message = " ".join((response.get("Error", {}).get("Message") or "").split())[:300]
        if code in UNKNOWN_KEY_CODES:
            return CallFailed(f"AWS does not know the access key {operation} was signed with ({code})", code)
        if code in ("AccessDenied", "AccessDeniedException"):
            return CallFailed(f"AWS refused {operation}: {message}", code,
                              hint=f"your IAM policy must allow iam:{operation} on your own user"
                              if operation != "GetCallerIdentity" else None)
        if code == "LimitExceeded":
            return CallFailed(f"AWS refused {operation}: the user already has two access keys (LimitExceeded)", code,
                              hint="delete the one you do not use: aws iam delete-access-key --access-key-id ID")
        return CallFailed(f"{operation} failed: {code}: {message}", code)
    if _kinds(error) & _NOT_SENT:
        return CallFailed(f"cannot reach AWS for {operation}", hint="check the network and AWS_ENDPOINT_URL")
    return CallFailed(f"{operation} failed: {type(error).__name__}")


def user_name_of(arn):
    """The IAM user name in a user ARN (arn:aws:iam::ACCOUNT:user/path/NAME); else refuse."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("user/"):
        return parts[5].rsplit("/", 1)[-1]
    raise ProfileProblem(f"these keys belong to {arn}, not to an IAM user; awsmfa rotates an IAM user's own key",
                         hint="an account's root keys are best deleted, not rotated")
