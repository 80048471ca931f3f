"""Temporary credentials issued by the local STS (GetSessionToken and AssumeRole), and how to
look them up.

moto's own STS returns the same fixed keys every time and never expires them; the point of
awsmfa's cache logic is exactly that sessions differ and expire, so sessions live here.
"""

import secrets
import string
import threading
from dataclasses import dataclass
from typing import Dict, Optional

_UPPER_ALNUM = string.ascii_uppercase + string.digits
_SECRET_CHARS = string.ascii_letters + string.digits + "+/"

DEFAULT_ACCOUNT_ID = "123456789012"


@dataclass(frozen=True)
class RoleRef:
    """The role a role session acts as (AssumeRole's RoleArn and RoleSessionName)."""
    arn: str
    role_id: str            # AROA...: the role's unique id
    name: str
    session_name: str

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]

    @property
    def session_arn(self) -> str:
        """``arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION``, the caller ARN AWS reports."""
        return f"arn:aws:sts::{self.account_id}:assumed-role/{self.name}/{self.session_name}"


@dataclass(frozen=True)
class Session:
    user_name: Optional[str]  # the IAM user of a GetSessionToken session; None for roles
    access_key_id: str
    secret_access_key: str
    session_token: str
    issued_at: float        # server clock
    expiration: float       # server clock, epoch seconds
    mfa_present: bool       # MFA was proven for this session (directly, or by its source)
    serial_number: Optional[str] = None
    account_id: str = DEFAULT_ACCOUNT_ID
    role: Optional[RoleRef] = None
    # When the MFA code behind this session was checked (aws:MultiFactorAuthAge counts from
    # there). A role session made with MFA-authenticated session credentials keeps its
    # source's time; None: the session's own issue time.
    mfa_authenticated_at: Optional[float] = None

    def expired(self, now: float) -> bool:
        return now >= self.expiration

    @property
    def mfa_time(self) -> float:
        return self.issued_at if self.mfa_authenticated_at is None else self.mfa_authenticated_at


def new_access_key_id() -> str:
    """``ASIA`` + 16 upper-case letters/digits: the shape of real temporary key ids."""
    return "ASIA" + "".join(secrets.choice(_UPPER_ALNUM) for _ in range(16))


def new_secret_key() -> str:
    return "".join(secrets.choice(_SECRET_CHARS) for _ in range(40))


def new_session_token() -> str:
    # Real tokens are several hundred base64 characters; their length matters to tools that
    # must not truncate them (shell quoting, credentials files), so keep it long.
    return "IQoJb3JpZ2luX2VjE" + secrets.token_urlsafe(300).replace("-", "+").replace("_", "/")


class SessionStore:
    """Thread-safe map from temporary access key id to :class:`Session`."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_key: Dict[str, Session] = {}

    def issue(self, user_name: Optional[str], now: float, duration: int, mfa_present: bool,
              serial_number: Optional[str] = None, *, account_id: str = DEFAULT_ACCOUNT_ID,
              role: Optional[RoleRef] = None,
              mfa_authenticated_at: Optional[float] = None) -> Session:
        with self._lock:
            key = new_access_key_id()
            while key in self._by_key:
                key = new_access_key_id()
            session = Session(
                user_name=user_name,
                access_key_id=key,
                secret_access_key=new_secret_key(),
                session_token=new_session_token(),
                issued_at=now,
                expiration=now + duration,
                mfa_present=mfa_present,
                serial_number=serial_number,
                account_id=account_id,
                role=role,
                mfa_authenticated_at=mfa_authenticated_at,
            )
            self._by_key[key] = session
            return session

    def get(self, access_key_id: str) -> Optional[Session]:
        with self._lock:
            return self._by_key.get(access_key_id)

    def all(self):
        with self._lock:
            return list(self._by_key.values())

    def clear(self) -> None:
        with self._lock:
            self._by_key.clear()
