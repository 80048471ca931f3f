"""Whether an IAM user (or its session) may make this request, by its identity policies.

Which requests are checked: the Query protocol (``Action`` parameter: STS, IAM, EC2...) and the
JSON protocol (``X-Amz-Target``). REST protocols (S3, Lambda...) carry the operation in the
method and path, which this server does not map to IAM actions: they pass without a policy
check (the key and signature are still checked). The admin key is never checked.

Resources: named for the few requests where the seed scenario needs them (EC2 ``InstanceId.N``
and IAM ``UserName``, which defaults to the caller for per-user actions such as
``ListMFADevices``); otherwise unknown, which the evaluator treats as ``*``.
"""

from typing import List, Optional

from . import errors, iamstore, policy
from .identity import Principal
from .request import IncomingRequest

# Actions that need no permission at all, as in AWS: anyone with valid credentials may ask
# who they are, or trade their long-term key for a session.
_NO_PERMISSION_NEEDED = {"sts:GetCallerIdentity", "sts:GetSessionToken"}

# IAM actions whose UserName defaults to the caller when omitted (IAM API reference).
CALLER_DEFAULT_IAM_ACTIONS = {
    "GetUser", "ListAccessKeys", "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey",
    "ListMFADevices", "ListSigningCertificates", "UploadSigningCertificate",
    "UpdateSigningCertificate", "DeleteSigningCertificate", "ListServiceSpecificCredentials",
    "ListSSHPublicKeys",
}


def check(req: IncomingRequest, principal: Principal, now: float) -> None:
    """Return if allowed; raise the protocol's access-denied error otherwise."""
    if principal.is_admin:
        return
    action = req.iam_action
    if action is None or action in _NO_PERMISSION_NEEDED:
        return
    user = iamstore.get_user(principal.user_name)
    if user is None:
        raise errors.invalid_key(req.protocol)
    session = principal.session
    if session is None:
        mfa_present, mfa_age = None, None          # long-term keys carry neither key
    elif session.mfa_present:
        mfa_present, mfa_age = True, max(0.0, now - session.issued_at)
    else:
        mfa_present, mfa_age = False, None
    ctx = policy.RequestContext(
        action=action,
        resources=request_resources(req, principal),
        principal_arn=principal.arn,
        user_name=principal.user_name or "",
        user_id=principal.user_id,
        account_id=principal.account_id,
        mfa_present=mfa_present,
        mfa_age=mfa_age,
    )
    decision = policy.evaluate(iamstore.policy_documents(user), ctx)
    if not decision.allowed:
        raise errors.access_denied(req.protocol, principal.arn, action, decision.resource,
                                   decision.explicit_deny)


def request_resources(req: IncomingRequest, principal: Principal) -> Optional[List[str]]:
    action = req.action or ""
    account = principal.account_id
    if req.service == "ec2":
        region = req.signature.region if req.signature else "us-east-1"
        ids = [v for k, v in sorted(req.params.items()) if k.startswith("InstanceId.")]
        if ids:
            return [f"arn:aws:ec2:{region}:{account}:instance/{i}" for i in ids]
        return None
    if req.service == "iam":
        name = req.params.get("UserName")
        if name:
            user = iamstore.get_user(name)
            return [user.arn if user is not None else f"arn:aws:iam::{account}:user/{name}"]
        if action in CALLER_DEFAULT_IAM_ACTIONS:
            return [principal.arn]
    return None
