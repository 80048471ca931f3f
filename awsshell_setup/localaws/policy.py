"""A small IAM identity-policy evaluator: enough of the real rules for the seed's policy.

moto's own policy engine ignores ``Bool`` conditions, so the seed's
``{"Bool": {"aws:MultiFactorAuthPresent": "true"}}`` would let long-term keys stop instances.
This evaluator follows IAM's logic for identity policies:

* an explicit ``Deny`` that applies wins; otherwise an applying ``Allow`` allows; otherwise
  the implicit deny;
* ``Action``/``NotAction`` with ``*`` and ``?`` wildcards, case-insensitive;
* ``Resource``/``NotResource`` with wildcards (case-sensitive, as ARNs are), with the policy
  variables ``${aws:username}``, ``${aws:userid}``, ``${aws:PrincipalAccount}`` and the
  escapes ``${*}``, ``${?}``, ``${$}``. When the caller cannot name the request's resource
  (most actions here), every Resource element matches, i.e. it is treated as ``*``;
* conditions: ``Bool`` on ``aws:MultiFactorAuthPresent``, the ``Numeric*`` operators on
  ``aws:MultiFactorAuthAge``, the ``String*`` operators (Equals, NotEquals, the IgnoreCase
  forms, Like, NotLike) on ``sts:ExternalId``, ``aws:username``, ``aws:userid`` and
  ``aws:PrincipalAccount``, and ``Null`` on all of them; each optionally ``...IfExists``.
  Every operator in a block must hold, every key in an operator, any value of a key. A key
  absent from the request fails a positive operator and satisfies a negated one (``...Not...``)
  as IAM's condition-operator reference says
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).

Fail closed: a condition this evaluator does not understand (another operator, another key,
``ForAnyValue:``...) makes an ``Allow`` statement not apply and a ``Deny`` statement apply.
Not modelled: permission boundaries, SCPs, session policies. Role trust policies (the one
resource-based policy here) are matched by ``trust``, which uses this module's conditions.
"""

import re
from dataclasses import dataclass
from typing import Iterable, List, Optional

KEY_MFA_PRESENT = "aws:multifactorauthpresent"
KEY_MFA_AGE = "aws:multifactorauthage"
KEY_EXTERNAL_ID = "sts:externalid"
_STRING_KEYS = (KEY_EXTERNAL_ID, "aws:username", "aws:userid", "aws:principalaccount")

_STRING = {
    "StringEquals": lambda actual, value: actual == value,
    "StringEqualsIgnoreCase": lambda actual, value: actual.lower() == value.lower(),
    "StringLike": lambda actual, value: bool(_glob(value).match(actual)),
}
_NEGATED_STRING = {"StringNotEquals": "StringEquals",
                   "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
                   "StringNotLike": "StringLike"}

_NUMERIC = {
    "NumericEquals": lambda a, b: a == b,
    "NumericNotEquals": lambda a, b: a != b,
    "NumericLessThan": lambda a, b: a < b,
    "NumericLessThanEquals": lambda a, b: a <= b,
    "NumericGreaterThan": lambda a, b: a > b,
    "NumericGreaterThanEquals": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class RequestContext:
    action: str                       # "ec2:StopInstances"
    resources: Optional[List[str]]    # ARNs; None when unknown (treated as "*")
    principal_arn: str
    user_name: Optional[str]          # None for role sessions: aws:username is absent there
    user_id: str
    account_id: str
    mfa_present: Optional[bool]       # None: key absent (requests with long-term keys)
    mfa_age: Optional[float]          # seconds since the MFA login; None when absent
    external_id: Optional[str] = None  # sts:ExternalId, AssumeRole's ExternalId parameter

    def string_value(self, key: str) -> Optional[str]:
        return {
            KEY_EXTERNAL_ID: self.external_id,
            "aws:username": self.user_name,
            "aws:userid": self.user_id,
            "aws:principalaccount": self.account_id,
        }[key]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    explicit_deny: bool = False
    resource: Optional[str] = None    # the resource that was refused, if known


def evaluate(documents: Iterable[dict], ctx: RequestContext) -> Decision:
    statements = [s for doc in documents for s in _statements(doc)]
    for resource in (ctx.resources or [None]):
        allowed = False
        for statement in statements:
            applies = _applies(statement, ctx, resource)
            if not applies:
                continue
            if str(statement.get("Effect", "")).lower() == "deny":
                return Decision(False, explicit_deny=True, resource=resource)
            if str(statement.get("Effect", "")).lower() == "allow":
                allowed = True
        if not allowed:
            return Decision(False, resource=resource)
    return Decision(True)


def _statements(document: dict) -> List[dict]:
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return [s for s in statements if isinstance(s, dict)]


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _applies(statement: dict, ctx: RequestContext, resource: Optional[str]) -> bool:
    deny = str(statement.get("Effect", "")).lower() == "deny"
    if "Action" in statement:
        if not any(_action_matches(p, ctx.action) for p in _as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(_action_matches(p, ctx.action) for p in _as_list(statement["NotAction"])):
            return False
    else:
        return False
    if resource is not None:
        if "Resource" in statement:
            if not any(_resource_matches(p, resource, ctx)
                       for p in _as_list(statement["Resource"])):
                return False
        elif "NotResource" in statement:
            if any(_resource_matches(p, resource, ctx)
                   for p in _as_list(statement["NotResource"])):
                return False
    result = _conditions_hold(statement.get("Condition") or {}, ctx)
    if result is None:           # not understood: fail closed
        return deny
    return result


def _glob(pattern: str, flags: int = 0) -> "re.Pattern":
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{regex}$", flags | re.DOTALL)


def _action_matches(pattern, action: str) -> bool:
    return bool(_glob(str(pattern), re.IGNORECASE).match(action))


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _resource_matches(pattern, resource: str, ctx: RequestContext) -> bool:
    values = {
        "aws:username": ctx.user_name,
        "aws:userid": ctx.user_id,
        "aws:principalaccount": ctx.account_id,
    }
    unresolved = False
    pieces = []
    position = 0
    text = str(pattern)
    for match in _VARIABLE.finditer(text):
        pieces.append(("glob", text[position:match.start()]))
        name = match.group(1)
        if name in ("*", "?", "$"):
            pieces.append(("literal", name))
        elif values.get(name.lower()) is not None:
            pieces.append(("literal", values[name.lower()]))
        else:
            unresolved = True
        position = match.end()
    pieces.append(("glob", text[position:]))
    if unresolved:           # IAM: an unresolvable variable makes the element not match
        return False
    regex = "".join(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in part)
        if kind == "glob" else re.escape(part)
        for kind, part in pieces
    )
    return bool(re.match(f"^{regex}$", resource, re.DOTALL))


def _conditions_hold(block: dict, ctx: RequestContext) -> Optional[bool]:
    """True/False, or None when some operator or key is not supported."""
    if not isinstance(block, dict):
        return None
    verdict = True
    for operator, keys in block.items():
        if not isinstance(keys, dict):
            return None
        for key, expected in keys.items():
            result = _condition(operator, key.lower(), _as_list(expected), ctx)
            if result is None:
                return None
            verdict = verdict and result
    return verdict


def _condition(operator: str, key: str, expected: list, ctx: RequestContext) -> Optional[bool]:
    if key == KEY_MFA_PRESENT:
        kind = "bool"
        actual = None if ctx.mfa_present is None else ("true" if ctx.mfa_present else "false")
    elif key == KEY_MFA_AGE:
        kind, actual = "numeric", ctx.mfa_age
    elif key in _STRING_KEYS:
        kind, actual = "string", ctx.string_value(key)
    else:
        return None

    if operator == "Null":
        # "Null": true means "the key is absent".
        return any(str(v).lower() == ("true" if actual is None else "false") for v in expected)

    base, if_exists = operator, False
    if operator.endswith("IfExists"):
        base, if_exists = operator[: -len("IfExists")], True
    if base == "Bool":
        if kind != "bool":
            return None
        return if_exists if actual is None else any(str(v).lower() == actual for v in expected)
    if base in _NUMERIC:
        if kind != "numeric":
            return None
        if actual is None:
            return if_exists
        compare = _NUMERIC[base]
        for value in expected:
            try:
                if compare(float(actual), float(value)):
                    return True
            except (TypeError, ValueError):
                continue
        return False
    if base in _STRING or base in _NEGATED_STRING:
        if kind != "string":
            return None
        negated = base in _NEGATED_STRING
        if actual is None:
            return True if negated else if_exists
        match = _STRING[_NEGATED_STRING.get(base, base)]
        matched = any(match(actual, str(value)) for value in expected)
        return not matched if negated else matched
    return None
