"""``LocalAWS``: moto's backends over HTTP on 127.0.0.1, behind the auth middleware.

moto keeps its state in process-global backends, so two LocalAWS servers in one process would
share users and instances; run one at a time. ``start()`` resets that state (and the sessions
and used MFA codes kept here) so each start is clean, and ``reset()`` does the same between
tests without restarting the HTTP server.
"""

import contextlib
import threading
import time
from typing import Optional

from . import iamstore, mfa
from .faults import Faults
from .identity import ADMIN_ACCOUNT_HEADER
from .middleware import AuthMiddleware
from .sessions import SessionStore

# The admin key pair: requests signed with it skip policy checks (never the signature check).
# Its id is not any moto user's key, so moto puts its calls in the default account too.
ADMIN_ACCESS_KEY_ID = "AKIALOCALAWSADMIN000"
ADMIN_SECRET_ACCESS_KEY = "localaws/admin/secret/key/not/a/real/one00"

DEFAULT_REGION = "us-east-1"


class LocalAWS:
    """A local AWS endpoint with MFA-checked STS sessions and enforced identity policies.

    >>> with LocalAWS() as local:
    ...     ec2 = local.client("ec2")          # admin credentials
    ...     local.endpoint_url                 # 'http://127.0.0.1:43123'
    """

    account_id = iamstore.ACCOUNT_ID

    def __init__(self, port: int = 0, host: str = "127.0.0.1", quiet: bool = True):
        self.host = host
        self.port = port                  # the real port once started
        self._requested_port = port       # 0: any free port, again on every start
        self.quiet = quiet
        # Seconds added to time.time() to get the server clock. Tests move it to simulate a
        # client whose clock is off (more than 15 minutes: SigV4 refuses its requests), or to
        # jump a little past a session's Expiration.
        self.clock_offset = 0.0
        # Seconds that passed for everyone (see advance): on the server clock too, but the
        # SigV4 window assumes the clients' clocks moved along.
        self.elapsed = 0.0
        self.sessions = SessionStore()
        self.codes = mfa.MfaCodes()
        self.faults = Faults()
        self._app = None
        self._handler = None
        self._server = None
        self._thread: Optional[threading.Thread] = None
        self._boto_session = None

    # -- clock -----------------------------------------------------------------------------

    def now(self) -> float:
        """The server clock, epoch seconds: real time, plus the skew of ``clock_offset``, plus
        the time ``advance`` made pass."""
        return time.time() + self.clock_offset + self.elapsed

    def advance(self, seconds: float) -> None:
        """Make ``seconds`` pass for everyone: sessions expire, MFA codes and
        aws:MultiFactorAuthAge move on, Expiration and Date answers are that much later, yet
        a request signed with the real clock is not refused as skewed (the client's clock is
        taken to have moved too). This is how a test gets past a role session's hour or an
        MFA session's 12 hours while the aws CLI and awsmfa sign with the machine's clock;
        ``clock_offset`` alone could move only 15 minutes before SigV4 refuses every
        request. A client that compares an Expiration with its own clock still sees the
        real time, so its own notion of "expired" needs moving too."""
        self.elapsed += seconds

    def _signing_clock(self) -> float:
        """The clock SigV4's 15-minute window compares a request's X-Amz-Date with."""
        return time.time() + self.clock_offset

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> "LocalAWS":
        if self._server is not None:
            return self
        # moto and werkzeug are imported only now: importing the package stays cheap.
        from moto.server import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import WSGIRequestHandler

        class Handler(WSGIRequestHandler):
            def log_request(handler, *args, **kwargs):  # noqa: N805
                if not self.quiet:
                    super().log_request(*args, **kwargs)

            def send_response(handler, code, message=None):  # noqa: N805
                # http.server would add a Date from the real clock; the middleware sends one
                # from the server clock, and two Date headers would make clients read neither.
                handler.log_request(code)
                handler.send_response_only(code, message)
                handler.send_header("Server", handler.version_string())

        self.reset()
        self._app = AuthMiddleware(
            DomainDispatcherApplication(create_backend_app),
            clock=self.now,
            signing_clock=self._signing_clock,
            sessions=self.sessions,
            codes=self.codes,
            admin_key=ADMIN_ACCESS_KEY_ID,
            admin_secret=ADMIN_SECRET_ACCESS_KEY,
            fault_plan=self.faults,
        )
        self._handler = Handler
        self._listen(self._requested_port)
        return self

    def _listen(self, port: int) -> None:
        import os
        import socket

        from werkzeug.serving import make_server

        if port:
            # werkzeug prints two lines and exits on a port in use; an OSError here lets the
            # caller say it in one (`serve`: "cannot listen on HOST:PORT: Address already in use").
            try:
                socket.create_server((self.host, port)).close()
            except OSError as error:
                raise OSError(error.errno, os.strerror(error.errno)) from None
        server = make_server(self.host, port, self._app, threaded=True,
                             request_handler=self._handler)
        self.port = server.server_port
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="localaws",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.faults.heal()  # let hanging requests go, or shutdown would wait for them
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    # -- faults (faults.py) ----------------------------------------------------------------

    def fail_next(self, kind: str, count: Optional[int] = 1) -> None:
        """Make the next ``count`` requests fail as ``kind`` ("reset", "hang", "500",
        "throttle", "malformed"); ``count=None``: every request until ``heal()``."""
        self.faults.fail_next(kind, count)

    def heal(self) -> None:
        """No more planned faults; hanging requests are let go."""
        self.faults.heal()

    @property
    def requests_seen(self) -> int:
        """Requests received since the last reset (moto's /moto-api not counted)."""
        return self.faults.seen

    @contextlib.contextmanager
    def down(self):
        """Nothing listens on the endpoint's port inside the block (connection refused); the
        same port answers again after it, with all state kept."""
        if self._server is None:
            raise RuntimeError("LocalAWS is not running")
        port, server, self._server = self.port, self._server, None
        server.shutdown()
        server.server_close()
        self._thread.join(timeout=10)
        try:
            yield self
        finally:
            self._listen(port)

    def reset(self) -> None:
        """Forget everything: moto's backends, sessions, used MFA codes, the clock offset and
        the time made to pass."""
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()
        self.sessions.clear()
        self.codes.clear()
        self.faults.reset()
        self.clock_offset = 0.0
        self.elapsed = 0.0

    def __enter__(self) -> "LocalAWS":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- addresses and credentials ---------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def admin_credentials(self) -> dict:
        return {
            "aws_access_key_id": ADMIN_ACCESS_KEY_ID,
            "aws_secret_access_key": ADMIN_SECRET_ACCESS_KEY,
        }

    def client(self, service: str, region: str = DEFAULT_REGION, validate: bool = True,
               account_id: Optional[str] = None, **credentials):
        """A boto3 client on this endpoint; admin credentials unless others are given
        (``aws_access_key_id``, ``aws_secret_access_key``, ``aws_session_token``).
        ``validate=False`` turns off botocore's client-side parameter checks, to see what the
        server itself says about a bad parameter. ``account_id`` (admin only) makes the admin
        act in that account, e.g. to create a role and instances in a second account: the
        client sends moto's own ``x-moto-account-id`` header, which moto reads before the
        access key, and creates the account's state on first use (moto keys every backend by
        account id, so accounts' IAM, EC2... never mix)."""
        import boto3
        import botocore.session
        from botocore.config import Config

        if self._boto_session is None:
            # One shared session: it caches the parsed service models, which otherwise cost
            # about 0.3 s per client.
            self._boto_session = boto3.session.Session(
                botocore_session=botocore.session.Session())
        creds = credentials or self.admin_credentials
        client = self._boto_session.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint_url,
            **creds,
            # One attempt: tests assert on the first answer, not on retries.
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                          parameter_validation=validate),
        )
        if account_id is not None:
            if credentials:
                raise ValueError("account_id is for the admin key only: other credentials "
                                 "act in their own account")

            def name_account(request, **kwargs):
                request.headers[ADMIN_ACCOUNT_HEADER] = account_id

            client.meta.events.register("before-sign", name_account)
        return client

    # -- MFA codes ---------------------------------------------------------------------------

    def _serial_and_seed(self, serial_or_seed: str):
        if serial_or_seed.startswith("arn:"):
            seed = iamstore.virtual_device_seed(serial_or_seed)
            if seed is None:
                raise KeyError(f"no virtual MFA device {serial_or_seed}")
            return serial_or_seed, seed
        serial = iamstore.find_virtual_device_by_seed(serial_or_seed) or serial_or_seed
        return serial, serial_or_seed

    def totp_code(self, serial_or_seed: str, step_offset: int = 0) -> str:
        """The device's code for the current 30 s step of the server clock (like a phone app),
        or for a step before/after with ``step_offset``. May already be used."""
        _, seed = self._serial_and_seed(serial_or_seed)
        return mfa.code_at(seed, self.now() + step_offset * mfa.STEP_SECONDS)

    @property
    def codes_spent(self) -> int:
        """MFA codes accepted since the last reset, by GetSessionToken and AssumeRole alike:
        how many codes a user would have typed."""
        return self.codes.accepted()

    def fresh_code(self, serial_or_seed: str) -> str:
        """A code the server accepts now and that was not used yet; may wait up to 30 s."""
        serial, seed = self._serial_and_seed(serial_or_seed)
        return self.codes.fresh_code(serial, seed, self.now)
