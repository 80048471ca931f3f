"""Read-only access to moto's IAM state: users, roles, their keys, policies and MFA devices.

The one module that reaches into moto's in-process IAM backends, so a moto upgrade that moves
things around breaks here and nowhere else. moto keeps one IAM backend per account id in a
process-global dictionary (``iam_backends[account]["aws"]``); the WSGI app and this module
therefore see the same users and roles as soon as an admin call through HTTP created them.
"""

import json
import re
from typing import Iterator, List, Optional, Tuple

ACCOUNT_ID = "123456789012"   # moto's DEFAULT_ACCOUNT_ID: the admin key's account by default
PARTITION = "aws"

_ACCOUNT_RE = re.compile(r"^\d{12}$")
# arn:aws:iam::ACCOUNT:role/optional/path/NAME (the path is part of the ARN, not of the name).
_ROLE_ARN_RE = re.compile(r"^arn:aws:iam::(\d{12}):role/(?:[^/]+/)*([\w+=,.@-]{1,64})$")


def is_account_id(text: Optional[str]) -> bool:
    return bool(text) and bool(_ACCOUNT_RE.match(text))


def _backend(account_id: str = ACCOUNT_ID):
    from moto.iam.models import iam_backends

    return iam_backends[account_id][PARTITION]


def _known_accounts() -> List[str]:
    """Accounts that already have IAM state. Indexing moto's BackendDict creates a backend for
    any account asked about; listing first keeps a stray ARN from growing one."""
    from moto.iam.models import iam_backends

    return list(iam_backends.keys())


def find_user_key(access_key_id: str) -> Optional[Tuple[object, object]]:
    """(user, access key) for an IAM user's long-term key in any account, or None.

    Inactive keys count as unknown: AWS answers them with InvalidClientTokenId too. The user's
    account is ``user.account_id``, as moto derives a request's account from its access key.
    """
    for account in _known_accounts():
        for user in list(_backend(account).users.values()):
            for key in list(user.access_keys):
                if key.access_key_id == access_key_id:
                    return (user, key) if key.status == "Active" else None
    return None


def key_created(access_key) -> float:
    """When moto created ``access_key`` (its CreateDate: real UTC time, naive), epoch seconds,
    for the propagation delay of ``faults.new_key_delay``. Real time on purpose: a delay of a
    few seconds is a wait a test sits through, not one ``LocalAWS.advance`` skips."""
    import datetime

    created = access_key.create_date
    if created.tzinfo is None:
        created = created.replace(tzinfo=datetime.timezone.utc)
    return created.timestamp()


def key_owner(access_key_id: str) -> Optional[object]:
    """The user that owns ``access_key_id`` (active or not), in any account; None if none."""
    for account in _known_accounts():
        for user in list(_backend(account).users.values()):
            if any(key.access_key_id == access_key_id for key in list(user.access_keys)):
                return user
    return None


def get_user(user_name: str, account_id: str = ACCOUNT_ID):
    """The moto User, or None if it was deleted meanwhile (or never existed)."""
    if account_id not in _known_accounts():
        return None
    return _backend(account_id).users.get(user_name)


def get_role(role_arn: str):
    """The moto Role named by ``role_arn``, or None (unknown account, name, or path)."""
    match = _ROLE_ARN_RE.match(role_arn or "")
    if match is None or match.group(1) not in _known_accounts():
        return None
    for role in list(_backend(match.group(1)).roles.values()):
        if role.arn == role_arn:
            return role
    return None


def role_trust_policy(role) -> Optional[dict]:
    """The role's trust policy (AssumeRolePolicyDocument), parsed; None when unreadable (which
    the trust evaluator treats as trusting nobody)."""
    return _parse(role.assume_role_policy_document)


def role_max_session_duration(role) -> int:
    """The role's MaxSessionDuration in seconds. moto quirk: it keeps the request's text (a
    string), 3600 when CreateRole gave none, and does not check IAM's 3600-43200 range."""
    try:
        return int(role.max_session_duration or 3600)
    except (TypeError, ValueError):
        return 3600


def policy_documents(user) -> List[dict]:
    """Every identity policy that applies to ``user``, parsed: inline, attached managed, and
    the same two kinds from each group the user is in."""
    backend = _backend(user.account_id)
    holders = [user]
    try:
        holders += list(backend.get_groups_for_user(user.name))
    except Exception:  # user deleted between lookup and here: no group policies
        pass
    return _documents_of(holders)


def role_policy_documents(role) -> List[dict]:
    """The role's permission policies, parsed: inline and attached managed ones."""
    return _documents_of([role])


def _documents_of(holders) -> List[dict]:
    documents = []
    for holder in holders:
        for text in list(holder.policies.values()):
            documents.append(_parse(text))
        for managed in list(holder.managed_policies.values()):
            documents.append(_parse(_default_version(managed)))
    return [d for d in documents if d is not None]


def virtual_mfa_seed(user, serial_number: str) -> Optional[str]:
    """The Base32 seed of ``serial_number`` if it is a virtual MFA device enabled for ``user``.

    Both sides must agree: the user lists the device (EnableMFADevice) and the device is a
    virtual one (so moto generated a seed for it). A hardware serial has no seed to check.
    """
    if serial_number not in user.mfa_devices:
        return None
    device = _backend(user.account_id).virtual_mfa_devices.get(serial_number)
    if device is None or device.user is not user:
        return None
    return device.base32_string_seed


def find_virtual_device_by_seed(seed: str) -> Optional[str]:
    """Serial number of the virtual device whose seed is ``seed`` (for the test code helper)."""
    for account in _known_accounts():
        for serial, device in list(_backend(account).virtual_mfa_devices.items()):
            if device.base32_string_seed == seed:
                return serial
    return None


def virtual_device_seed(serial_number: str) -> Optional[str]:
    """The seed of a virtual device by its ARN (``arn:aws:iam::ACCOUNT:mfa/NAME``), in the
    account the ARN names."""
    parts = serial_number.split(":")
    account = parts[4] if len(parts) > 5 and is_account_id(parts[4]) else ACCOUNT_ID
    if account not in _known_accounts():
        return None
    device = _backend(account).virtual_mfa_devices.get(serial_number)
    return device.base32_string_seed if device is not None else None


def iter_users() -> Iterator[object]:
    return iter([user for account in _known_accounts()
                 for user in list(_backend(account).users.values())])


def _default_version(policy) -> str:
    for version in policy.versions:
        if version.version_id == policy.default_version_id:
            return version.document
    return ""


def _parse(text) -> Optional[dict]:
    if isinstance(text, dict):
        return text
    try:
        document = json.loads(text)
    except (TypeError, ValueError):
        return None
    return document if isinstance(document, dict) else None
