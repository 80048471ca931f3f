"""STS answered by the local AWS itself: GetSessionToken and AssumeRole (with real MFA checks,
trust policies and session lengths) and GetCallerIdentity. moto's versions accept any MFA
code, return fixed keys, check no trust policy and do not know the sessions issued here; every
other STS action still goes to moto.

GetSessionToken (API reference:
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html):

* needs an IAM user's long-term key: session credentials get
  ``AccessDenied: Cannot call GetSessionToken with session credentials``;
* ``DurationSeconds`` 900..129600 (default 43200), else ``ValidationError``;
* ``TokenCode`` must be digits, exactly six (``ValidationError`` otherwise, as STS's input
  validation says); ``SerialNumber`` must be a virtual MFA device enabled for this very user
  (``AccessDenied`` "MultiFactorAuthentication failed, unable to validate MFA code...");
  the code must be valid for the device's seed on the server clock, one 30-second step either
  side, and not used before (``AccessDenied`` "MultiFactorAuthentication failed with invalid
  MFA one time pass code. ");
* GetCallerIdentity of a GetSessionToken session is the user itself (user ARN and id).

AssumeRole: the rules are in ``_assume_role``, each with the AWS page it comes from.
"""

import re
import uuid
from dataclasses import replace
from typing import Optional, Tuple
from xml.sax.saxutils import escape

from . import authorize, aws_errors, awstime, iamstore, policy, trust
from .identity import ADMIN, ROLE_SESSION, Principal
from .mfa import MfaCodes
from .request import IncomingRequest
from .sessions import RoleRef, Session, SessionStore

HANDLED_ACTIONS = {"GetSessionToken", "GetCallerIdentity", "AssumeRole"}

MIN_DURATION, MAX_DURATION, DEFAULT_DURATION = 900, 129600, 43200

# AssumeRole's DurationSeconds: 900 s up to 43200 s (12 h) by the API's own constraint, and
# one hour by default (API reference, DurationSeconds:
# https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
ROLE_MIN_DURATION, ROLE_MAX_DURATION, ROLE_DEFAULT_DURATION = 900, 43200, 3600
# Role chaining caps the role session at one hour (same page, and the knowledge-center article
# "Can I increase the IAM role chaining session duration limit?":
# https://repost.aws/knowledge-center/iam-role-chaining-limit).
CHAINED_MAX_DURATION = 3600

MSG_CHAINED_DURATION = ("The requested DurationSeconds exceeds the 1 hour session limit for "
                        "roles assumed by role chaining.")
MSG_MAX_SESSION_DURATION = ("The requested DurationSeconds exceeds the MaxSessionDuration set "
                            "for this role.")
MSG_ROOT_ASSUMES_ROLE = "Roles may not be assumed by root accounts."

_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"


def handles(req: IncomingRequest) -> bool:
    return req.service == "sts" and req.params.get("Action") in HANDLED_ACTIONS


def handle(req: IncomingRequest, principal: Principal, now: float, sessions: SessionStore,
           codes: MfaCodes) -> Tuple[int, list, bytes]:
    action = req.params["Action"]
    if action == "GetSessionToken":
        body = _get_session_token(req, principal, now, sessions, codes)
    elif action == "AssumeRole":
        body = _assume_role(req, principal, now, sessions, codes)
    else:
        body = _get_caller_identity(principal)
    headers = [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))]
    return 200, headers, body


def _validation(message: str) -> aws_errors.AWSError:
    return aws_errors.AWSError("ValidationError", f"1 validation error detected: {message}", 400)


def _duration(params, low: int, high: int, default: int) -> int:
    raw = params.get("DurationSeconds", str(default))
    try:
        duration = int(raw)
    except ValueError:
        raise _validation(f"Value '{raw}' at 'durationSeconds' failed to satisfy "
                          "constraint: Member must be a number")
    if duration < low:
        raise _validation(f"Value '{duration}' at 'durationSeconds' failed to satisfy "
                          f"constraint: Member must have value greater than or equal to {low}")
    if duration > high:
        raise _validation(f"Value '{duration}' at 'durationSeconds' failed to satisfy "
                          f"constraint: Member must have value less than or equal to {high}")
    return duration


def _check_string(params, name: str, member: str, low: int, high: int, pattern: str,
                  shown_pattern: str) -> Optional[str]:
    """STS's input validation of one string parameter; its value, or None when absent."""
    value = params.get(name)
    if value is None:
        return None
    if len(value) < low:
        raise _validation(f"Value '{value}' at '{member}' failed to satisfy constraint: "
                          f"Member must have length greater than or equal to {low}")
    if len(value) > high:
        raise _validation(f"Value '{value}' at '{member}' failed to satisfy constraint: "
                          f"Member must have length less than or equal to {high}")
    if not re.fullmatch(pattern, value):
        raise _validation(f"Value '{value}' at '{member}' failed to satisfy constraint: "
                          f"Member must satisfy regular expression pattern: {shown_pattern}")
    return value


def _check_token_code(params) -> None:
    code = params.get("TokenCode")
    if code is None:
        return
    if not re.fullmatch(r"\d*", code):
        raise _validation(f"Value '{code}' at 'tokenCode' failed to satisfy constraint: "
                          r"Member must satisfy regular expression pattern: [\d]*")
    if len(code) != 6:
        bound = "greater" if len(code) < 6 else "less"
        raise _validation(f"Value '{code}' at 'tokenCode' failed to satisfy constraint: "
                          f"Member must have length {bound} than or equal to 6")


def _verify_mfa(params, principal: Principal, now: float, codes: MfaCodes) -> Optional[str]:
    """Check SerialNumber/TokenCode if given: the serial of the calling user's enabled virtual
    device, and a code valid now and not used before (spent by this call). Returns the serial
    when MFA was proven, None when neither parameter was given; raises AccessDenied otherwise.

    The device belongs to "the user who is making the call" (AssumeRole API reference,
    SerialNumber): a role session has no device of its own, so its serial never validates.
    """
    serial = params.get("SerialNumber")
    code = params.get("TokenCode")
    if serial is None and code is None:
        return None
    if not serial or not code:
        raise aws_errors.AWSError("AccessDenied", aws_errors.MSG_MFA_FAILED, 403)
    user = None
    if principal.user_name is not None:
        user = iamstore.get_user(principal.user_name, principal.account_id)
    seed = iamstore.virtual_mfa_seed(user, serial) if user is not None else None
    if seed is None:
        raise aws_errors.AWSError("AccessDenied", aws_errors.MSG_MFA_SERIAL, 403)
    if not codes.verify(serial, seed, code, now):
        raise aws_errors.AWSError("AccessDenied", aws_errors.MSG_MFA_FAILED, 403)
    return serial


def _get_session_token(req, principal, now, sessions, codes) -> bytes:
    if principal.temporary:
        raise aws_errors.AWSError("AccessDenied", aws_errors.MSG_SESSION_CALLS_GST, 403)
    if principal.kind == ADMIN:
        # The admin key stands for the account root of the fake account; sessions here are
        # for IAM users only, which is all the seed scenario needs.
        raise aws_errors.AWSError(
            "AccessDenied", "The local AWS issues sessions to IAM users only, "
            "not to its admin key", 403)
    params = req.params
    duration = _duration(params, MIN_DURATION, MAX_DURATION, DEFAULT_DURATION)
    _check_token_code(params)
    serial = _verify_mfa(params, principal, now, codes)
    session = sessions.issue(principal.user_name, now, duration, serial is not None, serial,
                             account_id=principal.account_id)
    return (
        f'<GetSessionTokenResponse xmlns="{_XMLNS}">\n'
        "  <GetSessionTokenResult>\n"
        f"{_credentials_xml(session)}"
        "  </GetSessionTokenResult>\n"
        f"{_metadata_xml()}"
        "</GetSessionTokenResponse>\n"
    ).encode()


def _assume_role(req, principal: Principal, now: float, sessions: SessionStore,
                 codes: MfaCodes) -> bytes:
    """AssumeRole as the AssumeRole API reference describes it
    (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html), in this order:

    1. Input validation (``ValidationError``): RoleArn and RoleSessionName required,
       RoleSessionName 2-64 of ``[\\w+=,.@-]``, DurationSeconds 900-43200, ExternalId 2-1224,
       SerialNumber 9-256, TokenCode six digits. Session policies (``Policy``,
       ``PolicyArns``) are not modelled and refused rather than ignored, since ignoring them
       would grant more than AWS would.
    2. The admin key stands for the account root, and "Roles may not be assumed by root
       accounts" (AccessDenied, as AWS answers root credentials).
    3. Role chaining: called with temporary credentials of any kind (a GetSessionToken
       session or another role's session), DurationSeconds above one hour is a
       ``ValidationError`` (API reference, DurationSeconds; knowledge center,
       iam-role-chaining-limit, which counts GetSessionToken credentials as chaining too).
       Checked first because it needs neither the role nor a code.
    4. MFA: SerialNumber/TokenCode, if given, are checked as GetSessionToken checks them and
       the code is spent (API reference, "Using MFA with AssumeRole"; wrong codes are
       AccessDenied).
    5. The trust policy (``trust``) with this request's context: ``aws:MultiFactorAuthPresent``
       is true when this call proved MFA or when it is made with session credentials that MFA
       validated (the MFA context of a GetSessionToken session carries into the role session:
       "Configuring MFA-protected API access",
       https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html),
       absent with long-term keys and no code; ``sts:ExternalId`` is the ExternalId parameter
       ("How to use an external ID",
       https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html).
       A missing role is refused with the same words as a refusing trust policy, as AWS does
       not say which roles exist.
    6. The caller's identity policies must allow ``sts:AssumeRole`` on the role when the role
       is in another account or the trust policy named the account rather than the caller.
    7. DurationSeconds above the role's MaxSessionDuration (1-12 h, default 1 h: "Update the
       maximum session duration for a role",
       https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-settings.html)
       is a ``ValidationError``. Checked after authorisation so that a caller the role does
       not trust learns nothing about it; a code given with such a request is spent.

    The role session: unique keys that expire for real (``sessions``), in the role's account,
    authorised by the role's own permission policies (``authorize``). It carries MFA when this
    call proved it, or when the calling session carried it (then aws:MultiFactorAuthAge keeps
    counting from that first MFA authentication).
    """
    params = req.params
    role_arn = params.get("RoleArn")
    if not role_arn:
        raise _validation("Value null at 'roleArn' failed to satisfy constraint: "
                          "Member must not be null")
    if not 20 <= len(role_arn) <= 2048:
        raise _validation(f"Value '{role_arn}' at 'roleArn' failed to satisfy constraint: "
                          "Member must have length between 20 and 2048")
    if params.get("RoleSessionName") is None:
        raise _validation("Value null at 'roleSessionName' failed to satisfy constraint: "
                          "Member must not be null")
    session_name = _check_string(params, "RoleSessionName", "roleSessionName", 2, 64,
                                 r"[\w+=,.@-]*", r"[\w+=,.@-]*")
    duration = _duration(params, ROLE_MIN_DURATION, ROLE_MAX_DURATION, ROLE_DEFAULT_DURATION)
    external_id = _check_string(params, "ExternalId", "externalId", 2, 1224,
                                r"[\w+=,.@:/-]*", r"[\w+=,.@:\/-]*")
    _check_string(params, "SerialNumber", "serialNumber", 9, 256, r"[\w+=/:,.@-]*",
                  r"[\w+=/:,.@-]*")
    _check_token_code(params)
    if "Policy" in params or any(k.startswith("PolicyArns.") for k in params):
        raise aws_errors.AWSError("ValidationError", "The local AWS does not model session "
                              "policies (Policy, PolicyArns); call AssumeRole without them", 400)

    if principal.kind == ADMIN:
        raise aws_errors.AWSError("AccessDenied", MSG_ROOT_ASSUMES_ROLE, 403)
    if principal.temporary and duration > CHAINED_MAX_DURATION:
        raise aws_errors.AWSError("ValidationError", MSG_CHAINED_DURATION, 400)

    denied = aws_errors.AWSError(
        "AccessDenied", f"User: {principal.arn} is not authorized to perform: "
        f"sts:AssumeRole on resource: {role_arn}", 403)
    role = iamstore.get_role(role_arn)

    serial = _verify_mfa(params, principal, now, codes)
    caller_session: Optional[Session] = principal.session
    if serial is not None:
        mfa_present, mfa_at = True, now
    elif caller_session is not None:
        mfa_present = caller_session.mfa_present
        mfa_at = caller_session.mfa_time if mfa_present else None
    else:
        mfa_present, mfa_at = None, None       # long-term keys, no code: the key is absent

    if role is None:
        raise denied
    ctx = authorize.request_context(principal, trust.ACTION, [role.arn], now)
    ctx = replace(ctx, mfa_present=mfa_present,
                  mfa_age=None if mfa_at is None else max(0.0, now - mfa_at),
                  external_id=external_id)
    caller = trust.Caller(principal.arn, principal.account_id,
                          caller_session.role.arn if principal.kind == ROLE_SESSION else None)
    verdict = trust.evaluate(iamstore.role_trust_policy(role), caller, ctx)
    if not verdict.allowed:
        raise denied
    if verdict.needs_identity_policy or principal.account_id != role.account_id:
        documents = authorize.identity_documents(principal) or []
        decision = policy.evaluate(documents, ctx)
        if not decision.allowed:
            raise aws_errors.access_denied(aws_errors.QUERY, principal.arn, trust.ACTION, role.arn,
                                       decision.explicit_deny)

    if duration > iamstore.role_max_session_duration(role):
        raise aws_errors.AWSError("ValidationError", MSG_MAX_SESSION_DURATION, 400)

    ref = RoleRef(arn=role.arn, role_id=role.id, name=role.name, session_name=session_name)
    session = sessions.issue(None, now, duration, bool(mfa_present), serial,
                             account_id=role.account_id, role=ref,
                             mfa_authenticated_at=mfa_at if mfa_present else None)
    return (
        f'<AssumeRoleResponse xmlns="{_XMLNS}">\n'
        "  <AssumeRoleResult>\n"
        "    <AssumedRoleUser>\n"
        f"      <AssumedRoleId>{escape(ref.role_id)}:{escape(ref.session_name)}"
        "</AssumedRoleId>\n"
        f"      <Arn>{escape(ref.session_arn)}</Arn>\n"
        "    </AssumedRoleUser>\n"
        f"{_credentials_xml(session)}"
        "  </AssumeRoleResult>\n"
        f"{_metadata_xml()}"
        "</AssumeRoleResponse>\n"
    ).encode()


def _credentials_xml(session: Session) -> str:
    return (
        "    <Credentials>\n"
        f"      <SessionToken>{escape(session.session_token)}</SessionToken>\n"
        f"      <SecretAccessKey>{escape(session.secret_access_key)}</SecretAccessKey>\n"
        f"      <Expiration>{awstime.iso8601(session.expiration)}</Expiration>\n"
        f"      <AccessKeyId>{session.access_key_id}</AccessKeyId>\n"
        "    </Credentials>\n"
    )


def _metadata_xml() -> str:
    return ("  <ResponseMetadata>\n"
            f"    <RequestId>{uuid.uuid4()}</RequestId>\n"
            "  </ResponseMetadata>\n")


def _get_caller_identity(principal: Principal) -> bytes:
    return (
        f'<GetCallerIdentityResponse xmlns="{_XMLNS}">\n'
        "  <GetCallerIdentityResult>\n"
        f"    <Arn>{escape(principal.arn)}</Arn>\n"
        f"    <UserId>{escape(principal.user_id)}</UserId>\n"
        f"    <Account>{principal.account_id}</Account>\n"
        "  </GetCallerIdentityResult>\n"
        f"{_metadata_xml()}"
        "</GetCallerIdentityResponse>\n"
    ).encode()
