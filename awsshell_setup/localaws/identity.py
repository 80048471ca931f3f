"""Who signed a request: the admin key, an IAM user's long-term key, or a session key.

Order of checks (each failure is final): the key must exist and be active; a session key must
come with its own session token, and must not be past its Expiration on the server clock; a
long-term key must come without one. Expiry is decided here, before the 15-minute timestamp
check, so a test can move the server clock past a session's end and see ``ExpiredToken``
rather than a clock-skew error.
"""

import hmac
from dataclasses import dataclass
from typing import Optional

from . import errors, iamstore
from .request import Signature
from .sessions import Session, SessionStore

ADMIN = "admin"
USER = "user"
SESSION = "session"


@dataclass(frozen=True)
class Principal:
    kind: str                    # ADMIN, USER or SESSION
    access_key_id: str
    secret_access_key: str
    session_token: Optional[str]
    account_id: str
    arn: str
    user_id: str
    user_name: Optional[str] = None
    session: Optional[Session] = None

    @property
    def is_admin(self) -> bool:
        return self.kind == ADMIN


def resolve(sig: Signature, protocol: str, sessions: SessionStore, admin_key: str,
            admin_secret: str, now: float) -> Principal:
    account = iamstore.ACCOUNT_ID
    key = sig.access_key
    if hmac.compare_digest(key, admin_key):
        return Principal(ADMIN, key, admin_secret, sig.security_token, account,
                         f"arn:aws:iam::{account}:root", account)

    session = sessions.get(key)
    if session is not None:
        token = sig.security_token or ""
        if not hmac.compare_digest(token, session.session_token):
            raise errors.invalid_key(protocol)
        if session.expired(now):
            raise errors.expired_token(protocol)
        user = iamstore.get_user(session.user_name)
        if user is None:  # user deleted: its sessions die with it
            raise errors.invalid_key(protocol)
        return Principal(SESSION, key, session.secret_access_key, session.session_token,
                         account, user.arn, user.id, user.name, session)

    found = iamstore.find_user_key(key)
    if found is None or sig.security_token:
        raise errors.invalid_key(protocol)
    user, access_key = found
    return Principal(USER, key, access_key.secret_access_key, None, account, user.arn, user.id,
                     user.name)
