"""Role trust policies: may this caller assume this role, and must its own policies agree?

A trust policy (a role's AssumeRolePolicyDocument) is the resource-based policy of the role.
The rules kept here, with where AWS states them:

* A statement applies when its ``Action`` covers ``sts:AssumeRole``, its ``Principal`` names
  the caller, and its ``Condition`` holds (``policy``'s operators: ``Bool`` on
  ``aws:MultiFactorAuthPresent``, ``StringEquals`` on ``sts:ExternalId``...). An explicit
  ``Deny`` that applies wins; otherwise an applying ``Allow`` allows; otherwise access is
  denied (policy evaluation logic:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
* ``Principal`` forms (IAM JSON policy elements: Principal,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html):
  ``"*"`` or ``{"AWS": "*"}`` is everyone; ``{"AWS": "123456789012"}`` and
  ``{"AWS": "arn:aws:iam::123456789012:root"}`` are the account, i.e. any user or role session
  of it; an IAM user ARN is that user; a role ARN is any session of that role; an
  ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`` ARN is that one session. ``Service``,
  ``Federated`` and ``CanonicalUser`` principals never match the callers this server has.
* Naming the account delegates the decision to the account's own identity policies: the caller
  then also needs an identity policy allowing ``sts:AssumeRole`` on the role; naming the
  caller's own ARN is enough on its own within the role's account; across accounts both sides
  must always allow (the evaluation-logic page above, "Cross-account policy evaluation logic":
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html,
  and the AWS security blog "How to use trust policies with IAM roles":
  https://aws.amazon.com/blogs/security/how-to-use-trust-policies-with-iam-roles/).

Fail closed as ``policy`` does: a condition not understood makes an ``Allow`` not apply and a
``Deny`` apply; ``NotPrincipal`` makes an ``Allow`` not apply.

moto quirks met here: moto's own AssumeRole ignores the trust policy entirely (and "the role
does not need to exist"), so ``sts`` answers AssumeRole itself; moto's CreateRole and
UpdateAssumeRolePolicy do validate a trust policy's actions (only sts:AssumeRole,
sts:AssumeRoleWithSAML and sts:AssumeRoleWithWebIdentity: MalformedPolicyDocument otherwise),
as IAM does.
"""

from dataclasses import dataclass
from typing import List, Optional

from . import policy

ACTION = "sts:AssumeRole"


@dataclass(frozen=True)
class Caller:
    arn: str                     # user ARN, or the assumed-role ARN of a role session
    account_id: str
    role_arn: Optional[str]      # the role of a role session; None for users


@dataclass(frozen=True)
class TrustDecision:
    allowed: bool
    explicit_deny: bool = False
    # The allowing statement named the caller's account, not the caller: the caller's identity
    # policies must allow sts:AssumeRole too.
    needs_identity_policy: bool = True


def evaluate(document: Optional[dict], caller: Caller,
             ctx: policy.RequestContext) -> TrustDecision:
    if not isinstance(document, dict):
        return TrustDecision(False)
    allowed, direct = False, False
    for statement in _statements(document):
        effect = str(statement.get("Effect", "")).lower()
        if not _action_applies(statement):
            continue
        if "Principal" in statement:
            named = _named(statement["Principal"], caller)
            if named is None:
                continue
        elif "NotPrincipal" in statement and effect == "deny":
            if _named(statement["NotPrincipal"], caller) is not None:
                continue
            named = "account"
        else:
            continue       # no principal (or an Allow with NotPrincipal): never applies
        holds = policy._conditions_hold(statement.get("Condition") or {}, ctx)
        if holds is None:  # not understood: fail closed
            holds = effect == "deny"
        if not holds:
            continue
        if effect == "deny":
            return TrustDecision(False, explicit_deny=True)
        if effect == "allow":
            allowed = True
            direct = direct or named == "direct"
    return TrustDecision(allowed, needs_identity_policy=not direct)


def _statements(document: dict) -> List[dict]:
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return [s for s in statements if isinstance(s, dict)]


def _action_applies(statement: dict) -> bool:
    if "Action" in statement:
        return any(policy._action_matches(p, ACTION) for p in _as_list(statement["Action"]))
    if "NotAction" in statement:
        return not any(policy._action_matches(p, ACTION)
                       for p in _as_list(statement["NotAction"]))
    return False


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _named(principal, caller: Caller) -> Optional[str]:
    """"direct" if ``principal`` names the caller itself (its user, role or session ARN),
    "account" if it names everyone or the caller's account, None if it does not name it."""
    if principal == "*":
        return "account"
    if not isinstance(principal, dict):
        return None
    found = None
    for value in _as_list(principal.get("AWS", [])):
        value = str(value)
        if value == "*":
            found = found or "account"
        elif value in (caller.account_id, f"arn:aws:iam::{caller.account_id}:root"):
            found = found or "account"
        elif value == caller.arn or (caller.role_arn is not None and value == caller.role_arn):
            found = "direct"
    return found
