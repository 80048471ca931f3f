"""Who signed a request: the admin key, an IAM user's long-term key, or a session key (of a
GetSessionToken session or of a role session).

Order of checks (each failure is final): the key must exist and be active; a session key must
come with its own session token, and must not be past its Expiration on the server clock; a
long-term key must come without one. Expiry is decided here, before the 15-minute timestamp
check, so a test can move the server clock past a session's end and see ``ExpiredToken``
rather than a clock-skew error.

A long-term key younger than ``new_key_delay`` seconds is unknown too (InvalidClientTokenId),
as IAM's eventual consistency makes a new key for a few seconds (``faults.new_key_delay``).

Accounts: a user's account is the one moto created it in; a role session's account is its
role's (so its EC2 calls land in that account's instances); the admin key acts in moto's
default account, or in the account an ``x-moto-account-id`` header names (admin only: the
way tests provision a second account; any other caller's header is overwritten by
``forward``).
"""

import hmac
from dataclasses import dataclass
from typing import Callable, Optional

from . import aws_errors, iamstore
from .request import Signature
from .sessions import Session, SessionStore

ADMIN = "admin"
USER = "user"
SESSION = "session"            # GetSessionToken credentials of an IAM user
ROLE_SESSION = "role-session"  # AssumeRole credentials

ADMIN_ACCOUNT_HEADER = "x-moto-account-id"


@dataclass(frozen=True)
class Principal:
    kind: str                    # ADMIN, USER, SESSION or ROLE_SESSION
    access_key_id: str
    secret_access_key: str
    session_token: Optional[str]
    account_id: str
    arn: str                     # user ARN, or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
    user_id: str                 # AIDA... for users, AROA...:SESSION for role sessions
    user_name: Optional[str] = None   # the IAM user (USER, SESSION); None for role sessions
    session: Optional[Session] = None

    @property
    def is_admin(self) -> bool:
        return self.kind == ADMIN

    @property
    def temporary(self) -> bool:
        """Session credentials of any kind (AssumeRole with them is role chaining)."""
        return self.kind in (SESSION, ROLE_SESSION)


def resolve(sig: Signature, protocol: str, sessions: SessionStore, admin_key: str,
            admin_secret: str, now: float, admin_account: Optional[str] = None,
            still_propagating: Optional[Callable[[float], bool]] = None) -> Principal:
    """The principal that signed with ``sig``'s key. ``still_propagating(created)``: True when a
    long-term key created then is not yet usable (``faults.Faults.still_propagating``)."""
    key = sig.access_key
    if hmac.compare_digest(key, admin_key):
        account = admin_account if iamstore.is_account_id(admin_account) else \
            iamstore.ACCOUNT_ID
        return Principal(ADMIN, key, admin_secret, sig.security_token, account,
                         f"arn:aws:iam::{account}:root", account)

    session = sessions.get(key)
    if session is not None:
        token = sig.security_token or ""
        if not hmac.compare_digest(token, session.session_token):
            raise aws_errors.invalid_key(protocol)
        if session.expired(now):
            raise aws_errors.expired_token(protocol)
        if session.role is not None:
            # A deleted role takes its sessions with it here (AWS would refuse their calls
            # for want of the role's policies; an invalid key is the simpler honest answer).
            if iamstore.get_role(session.role.arn) is None:
                raise aws_errors.invalid_key(protocol)
            return Principal(ROLE_SESSION, key, session.secret_access_key,
                             session.session_token, session.account_id,
                             session.role.session_arn,
                             f"{session.role.role_id}:{session.role.session_name}",
                             None, session)
        user = iamstore.get_user(session.user_name, session.account_id)
        if user is None:  # user deleted: its sessions die with it
            raise aws_errors.invalid_key(protocol)
        return Principal(SESSION, key, session.secret_access_key, session.session_token,
                         session.account_id, user.arn, user.id, user.name, session)

    found = iamstore.find_user_key(key)
    if found is None or sig.security_token:
        raise aws_errors.invalid_key(protocol)
    user, access_key = found
    if still_propagating is not None and still_propagating(iamstore.key_created(access_key)):
        raise aws_errors.invalid_key(protocol)
    return Principal(USER, key, access_key.secret_access_key, None, user.account_id, user.arn,
                     user.id, user.name)
