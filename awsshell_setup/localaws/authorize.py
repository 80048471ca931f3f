"""Whether an IAM user, its session, or a role session may make this request, by its identity
policies (a role session: its role's permission policies, not the user's who assumed it).

Which requests are checked: the Query protocol (``Action`` parameter: STS, IAM, EC2...) and the
JSON protocol (``X-Amz-Target``). REST protocols (S3, Lambda...) carry the operation in the
method and path, which this server does not map to IAM actions: they pass without a policy
check (the key and signature are still checked). The admin key is never checked.

Resources: named for the few requests where the scenarios need them (EC2 ``InstanceId.N``
and IAM ``UserName``, which defaults to the caller for per-user actions such as
``ListMFADevices`` and the access-key actions; ``GetAccessKeyLastUsed``'s resource is the user
who owns the key, as the Service Authorization Reference lists its resource type ``user``,
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html);
otherwise unknown, which the evaluator treats as ``*``.

The MFA keys of the request context (global condition keys,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent):
``aws:MultiFactorAuthPresent`` is absent for long-term keys and present for temporary
credentials, true when MFA validated them; ``aws:MultiFactorAuthAge`` counts seconds since
that MFA authentication and is present only then.
"""

from typing import List, Optional

from . import aws_errors, iamstore, policy
from .identity import ROLE_SESSION, Principal
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
    documents = identity_documents(principal)
    if documents is None:
        raise aws_errors.invalid_key(req.protocol)
    ctx = request_context(principal, action, request_resources(req, principal), now)
    decision = policy.evaluate(documents, ctx)
    if not decision.allowed:
        raise aws_errors.access_denied(req.protocol, principal.arn, action, decision.resource,
                                   decision.explicit_deny)


def identity_documents(principal: Principal) -> Optional[List[dict]]:
    """The identity policies that apply to ``principal``; None if its user or role is gone."""
    if principal.kind == ROLE_SESSION:
        role = iamstore.get_role(principal.session.role.arn)
        return None if role is None else iamstore.role_policy_documents(role)
    user = iamstore.get_user(principal.user_name, principal.account_id)
    return None if user is None else iamstore.policy_documents(user)


def request_context(principal: Principal, action: str, resources: Optional[List[str]],
                    now: float) -> policy.RequestContext:
    session = principal.session
    if session is None:
        mfa_present, mfa_age = None, None          # long-term keys carry neither key
    elif session.mfa_present:
        mfa_present, mfa_age = True, max(0.0, now - session.mfa_time)
    else:
        mfa_present, mfa_age = False, None
    return policy.RequestContext(
        action=action,
        resources=resources,
        principal_arn=principal.arn,
        user_name=principal.user_name,
        user_id=principal.user_id,
        account_id=principal.account_id,
        mfa_present=mfa_present,
        mfa_age=mfa_age,
    )


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
            user = iamstore.get_user(name, account)
            return [user.arn if user is not None else f"arn:aws:iam::{account}:user/{name}"]
        if action == "GetAccessKeyLastUsed":
            owner = iamstore.key_owner(req.params.get("AccessKeyId", ""))
            return [owner.arn] if owner is not None else None
        if action in CALLER_DEFAULT_IAM_ACTIONS and principal.user_name:
            return [principal.arn]
    return None
