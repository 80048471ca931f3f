"""STS answered by the local AWS itself: GetSessionToken (with real MFA checks) and
GetCallerIdentity. moto's versions accept any MFA code, return fixed keys, and do not know
the sessions issued here; every other STS action still goes to moto.

Rules kept from real STS:

* GetSessionToken needs an IAM user's long-term key: session credentials get
  ``AccessDenied: Cannot call GetSessionToken with session credentials``;
* ``DurationSeconds`` 900..129600 (default 43200), else ``ValidationError``;
* ``TokenCode`` must be digits, exactly six (``ValidationError`` otherwise, as STS's input
  validation says); ``SerialNumber`` must be a virtual MFA device enabled for this very user
  (``AccessDenied`` "MultiFactorAuthentication failed, unable to validate MFA code...");
  the code must be valid for the device's seed on the server clock, one 30-second step either
  side, and not used before (``AccessDenied`` "MultiFactorAuthentication failed with invalid
  MFA one time pass code. ");
* GetCallerIdentity of a GetSessionToken session is the user itself (user ARN and id).
"""

import re
import uuid
from typing import Tuple
from xml.sax.saxutils import escape

from . import awstime, errors, iamstore
from .identity import ADMIN, SESSION, Principal
from .mfa import MfaCodes
from .request import IncomingRequest
from .sessions import SessionStore

HANDLED_ACTIONS = {"GetSessionToken", "GetCallerIdentity"}

MIN_DURATION, MAX_DURATION, DEFAULT_DURATION = 900, 129600, 43200

_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"


def handles(req: IncomingRequest) -> bool:
    return req.service == "sts" and req.params.get("Action") in HANDLED_ACTIONS


def handle(req: IncomingRequest, principal: Principal, now: float, sessions: SessionStore,
           codes: MfaCodes) -> Tuple[int, list, bytes]:
    action = req.params["Action"]
    if action == "GetSessionToken":
        body = _get_session_token(req, principal, now, sessions, codes)
    else:
        body = _get_caller_identity(principal)
    headers = [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))]
    return 200, headers, body


def _validation(message: str) -> errors.AWSError:
    return errors.AWSError("ValidationError", f"1 validation error detected: {message}", 400)


def _get_session_token(req, principal, now, sessions, codes) -> bytes:
    if principal.kind == SESSION:
        raise errors.AWSError("AccessDenied", errors.MSG_SESSION_CALLS_GST, 403)
    if principal.kind == ADMIN:
        # The admin key stands for the account root of the fake account; sessions here are
        # for IAM users only, which is all the seed scenario needs.
        raise errors.AWSError(
            "AccessDenied", "The local AWS issues sessions to IAM users only, "
            "not to its admin key", 403)
    params = req.params

    raw_duration = params.get("DurationSeconds", str(DEFAULT_DURATION))
    try:
        duration = int(raw_duration)
    except ValueError:
        raise _validation(f"Value '{raw_duration}' at 'durationSeconds' failed to satisfy "
                          "constraint: Member must be a number")
    if duration < MIN_DURATION:
        raise _validation(f"Value '{duration}' at 'durationSeconds' failed to satisfy "
                          f"constraint: Member must have value greater than or equal to "
                          f"{MIN_DURATION}")
    if duration > MAX_DURATION:
        raise _validation(f"Value '{duration}' at 'durationSeconds' failed to satisfy "
                          f"constraint: Member must have value less than or equal to "
                          f"{MAX_DURATION}")

    serial = params.get("SerialNumber")
    code = params.get("TokenCode")
    if code is not None:
        if not re.fullmatch(r"\d*", code):
            raise _validation(f"Value '{code}' at 'tokenCode' failed to satisfy constraint: "
                              r"Member must satisfy regular expression pattern: [\d]*")
        if len(code) != 6:
            bound = "greater" if len(code) < 6 else "less"
            raise _validation(f"Value '{code}' at 'tokenCode' failed to satisfy constraint: "
                              f"Member must have length {bound} than or equal to 6")

    mfa_present = False
    if serial is not None or code is not None:
        if not serial or not code:
            raise errors.AWSError("AccessDenied", errors.MSG_MFA_FAILED, 403)
        user = iamstore.get_user(principal.user_name)
        seed = iamstore.virtual_mfa_seed(user, serial) if user is not None else None
        if seed is None:
            raise errors.AWSError("AccessDenied", errors.MSG_MFA_SERIAL, 403)
        if not codes.verify(serial, seed, code, now):
            raise errors.AWSError("AccessDenied", errors.MSG_MFA_FAILED, 403)
        mfa_present = True

    session = sessions.issue(principal.user_name, now, duration, mfa_present,
                             serial if mfa_present else None)
    return (
        f'<GetSessionTokenResponse xmlns="{_XMLNS}">\n'
        "  <GetSessionTokenResult>\n"
        "    <Credentials>\n"
        f"      <SessionToken>{escape(session.session_token)}</SessionToken>\n"
        f"      <SecretAccessKey>{escape(session.secret_access_key)}</SecretAccessKey>\n"
        f"      <Expiration>{awstime.iso8601(session.expiration)}</Expiration>\n"
        f"      <AccessKeyId>{session.access_key_id}</AccessKeyId>\n"
        "    </Credentials>\n"
        "  </GetSessionTokenResult>\n"
        "  <ResponseMetadata>\n"
        f"    <RequestId>{uuid.uuid4()}</RequestId>\n"
        "  </ResponseMetadata>\n"
        "</GetSessionTokenResponse>\n"
    ).encode()


def _get_caller_identity(principal: Principal) -> bytes:
    return (
        f'<GetCallerIdentityResponse xmlns="{_XMLNS}">\n'
        "  <GetCallerIdentityResult>\n"
        f"    <Arn>{escape(principal.arn)}</Arn>\n"
        f"    <UserId>{escape(principal.user_id)}</UserId>\n"
        f"    <Account>{principal.account_id}</Account>\n"
        "  </GetCallerIdentityResult>\n"
        "  <ResponseMetadata>\n"
        f"    <RequestId>{uuid.uuid4()}</RequestId>\n"
        "  </ResponseMetadata>\n"
        "</GetCallerIdentityResponse>\n"
    ).encode()
