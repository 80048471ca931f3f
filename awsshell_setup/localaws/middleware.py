"""The WSGI middleware in front of moto: authentication, STS sessions, and authorization.

For every request, in this order (the first failure answers the request):

1. moto's own ``/moto-api`` (dashboard, reset) passes untouched: it is local tooling.
   Any other request is counted, and answered with a planned fault if a test asked for one
   (``faults``: reset, hang, 500, throttling, malformed XML).
2. The SigV4 signature is parsed (Authorization header, or a presigned query string);
   unsigned requests are refused.
3. The access key is resolved (``identity``): admin key, IAM user key, or session key
   (GetSessionToken's or a role session's) with matching token and not expired; a user's key
   younger than ``faults.new_key_delay`` is still unknown (IAM's eventual consistency).
4. The timestamp must be within 15 minutes of the server clock (``sigv4.check_time``),
   less the time ``LocalAWS.advance`` made pass for everyone.
5. The signature must verify with the key's secret (``sigv4.check_signature``).
6. STS GetSessionToken / AssumeRole / GetCallerIdentity are answered here (``sts``), with
   role trust policies (``trust``).
7. Identity policies are evaluated for IAM users, their sessions, and role sessions (the
   role's own policies) (``authorize``).
8. The request goes to moto, adjusted for the caller (``forward``).

Every response carries a ``Date`` header from the server clock, so a client can measure its
skew against it (as AWS SDKs do from AWS's Date header).
"""

import sys
import traceback
import uuid
from http import HTTPStatus
from typing import Callable, Optional

from . import authorize, aws_errors, awstime, faults, forward, identity, sigv4, sts_actions
from .mfa import MfaCodes
from .request import parse_signature, read_request
from .sessions import SessionStore


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


class AuthMiddleware:
    def __init__(self, app, *, clock: Callable[[], float], sessions: SessionStore,
                 codes: MfaCodes, admin_key: str, admin_secret: str,
                 fault_plan: Optional[faults.Faults] = None,
                 signing_clock: Optional[Callable[[], float]] = None):
        self.app = app
        self.faults = fault_plan or faults.Faults()
        self.clock = clock
        # The clock the 15-minute SigV4 window uses: the server clock, less any time made to
        # pass for everyone (LocalAWS.advance), whose clients' clocks are taken to have moved.
        self.signing_clock = signing_clock or clock
        self.sessions = sessions
        self.codes = codes
        self.admin_key = admin_key
        self.admin_secret = admin_secret

    def __call__(self, environ, start_response):
        now = self.clock()
        req = read_request(environ)
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            return self._forward(environ, start_response)
        fault = self.faults.take()
        if fault is not None:
            return self._fault(fault, environ, start_response, req)
        try:
            sig = parse_signature(req)
            if sig is None:
                raise aws_errors.missing_authentication(req.protocol)
            req.signature = sig
            principal = identity.resolve(
                sig, req.protocol, self.sessions, self.admin_key, self.admin_secret, now,
                admin_account=req.headers.get(identity.ADMIN_ACCOUNT_HEADER),
                still_propagating=self.faults.still_propagating)
            sigv4.check_time(req, sig, self.signing_clock())
            sigv4.check_signature(req, sig, principal.secret_access_key, sig.security_token)
            if sts_actions.handles(req):
                status, headers, body = sts_actions.handle(req, principal, now, self.sessions,
                                                   self.codes)
                return self._respond(start_response, status, headers, body)
            authorize.check(req, principal, now)
        except aws_errors.AWSError as error:
            return self._error(start_response, error, req)
        except Exception:  # a bug here must not look like an AWS answer
            traceback.print_exc(file=sys.stderr)
            error = aws_errors.AWSError("InternalFailure", "localaws middleware error", 500,
                                    sender=False)
            return self._error(start_response, error, req)
        forward.prepare(environ, req, principal)
        return self._forward(environ, start_response)

    def _fault(self, kind, environ, start_response, req):
        """Answer with a planned fault (faults.py) instead of handling the request."""
        if kind == "reset":
            faults.reset_connection(environ)
        if kind == "hang":
            self.faults.hang()
            error = aws_errors.AWSError("ServiceUnavailable", "localaws: a hang fault was released", 503,
                                    sender=False)
        elif kind == "malformed":
            body = faults.malformed_body(req.service)
            return self._respond(start_response, 200, [("Content-Type", "text/xml"),
                                                       ("Content-Length", str(len(body)))], body)
        elif kind == "throttle":
            error = aws_errors.AWSError("Throttling", "Rate exceeded", 400)
        else:
            error = aws_errors.AWSError("InternalFailure", "The request processing has failed because of "
                                    "an unknown error, exception or failure.", 500, sender=False)
        return self._error(start_response, error, req)

    def _error(self, start_response, error, req):
        status, headers, body = aws_errors.render(error, req.protocol, req.service,
                                              str(uuid.uuid4()))
        return self._respond(start_response, status, headers, body)

    def _respond(self, start_response, status, headers, body):
        headers = list(headers) + [("Date", awstime.http_date(self.clock()))]
        start_response(_status_line(status), headers)
        return [body]

    def _forward(self, environ, start_response):
        def with_server_date(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "date"]
            headers.append(("Date", awstime.http_date(self.clock())))
            return start_response(status, headers, exc_info)

        return self.app(environ, with_server_date)
