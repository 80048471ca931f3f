"""Read-only access to moto's IAM state: users, their keys, policies and MFA devices.

The one module that reaches into moto's in-process IAM backend, so a moto upgrade that moves
things around breaks here and nowhere else. moto keeps its backends in process-global
dictionaries; the WSGI app and this module therefore see the same users as soon as an admin
call through HTTP has created them.
"""

import json
from typing import Iterator, List, Optional, Tuple

ACCOUNT_ID = "123456789012"   # moto's DEFAULT_ACCOUNT_ID, the account everything lives in
PARTITION = "aws"


def _backend():
    from moto.iam.models import iam_backends

    return iam_backends[ACCOUNT_ID][PARTITION]


def find_user_key(access_key_id: str) -> Optional[Tuple[object, object]]:
    """(user, access key) for an IAM user's long-term key, or None.

    Inactive keys count as unknown: AWS answers them with InvalidClientTokenId too.
    """
    backend = _backend()
    for user in list(backend.users.values()):
        for key in list(user.access_keys):
            if key.access_key_id == access_key_id:
                return (user, key) if key.status == "Active" else None
    return None


def get_user(user_name: str):
    """The moto User, or None if it was deleted meanwhile."""
    return _backend().users.get(user_name)


def policy_documents(user) -> List[dict]:
    """Every identity policy that applies to ``user``, parsed: inline, attached managed, and
    the same two kinds from each group the user is in."""
    backend = _backend()
    holders = [user]
    try:
        holders += list(backend.get_groups_for_user(user.name))
    except Exception:  # user deleted between lookup and here: no group policies
        pass
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
    device = _backend().virtual_mfa_devices.get(serial_number)
    if device is None or device.user is not user:
        return None
    return device.base32_string_seed


def find_virtual_device_by_seed(seed: str) -> Optional[str]:
    """Serial number of the virtual device whose seed is ``seed`` (for the test code helper)."""
    for serial, device in list(_backend().virtual_mfa_devices.items()):
        if device.base32_string_seed == seed:
            return serial
    return None


def virtual_device_seed(serial_number: str) -> Optional[str]:
    device = _backend().virtual_mfa_devices.get(serial_number)
    return device.base32_string_seed if device is not None else None


def iter_users() -> Iterator[object]:
    return iter(list(_backend().users.values()))


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
