"""The WSGI middleware in front of moto: authentication, STS sessions, and authorization.

For every request, in this order (the first failure answers the request):

1. moto's own ``/moto-api`` (dashboard, reset) passes untouched: it is local tooling.
2. The SigV4 signature is parsed (Authorization header, or a presigned query string);
   unsigned requests are refused.
3. The access key is resolved (``identity``): admin key, IAM user key, or session key with
   matching token and not expired.
4. The timestamp must be within 15 minutes of the server clock (``sigv4.check_time``).
5. The signature must verify with the key's secret (``sigv4.check_signature``).
6. STS GetSessionToken / GetCallerIdentity are answered here (``sts``).
7. Identity policies are evaluated for IAM users and their sessions (``authorize``).
8. The request goes to moto, adjusted for the caller (``forward``).

Every response carries a ``Date`` header from the server clock, so a client can measure its
skew against it (as AWS SDKs do from AWS's Date header).
"""

import sys
import traceback
import uuid
from http import HTTPStatus
from typing import Callable

from . import authorize, awstime, errors, forward, identity, sigv4, sts
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
                 codes: MfaCodes, admin_key: str, admin_secret: str):
        self.app = app
        self.clock = clock
        self.sessions = sessions
        self.codes = codes
        self.admin_key = admin_key
        self.admin_secret = admin_secret

    def __call__(self, environ, start_response):
        now = self.clock()
        req = read_request(environ)
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            return self._forward(environ, start_response)
        try:
            sig = parse_signature(req)
            if sig is None:
                raise errors.missing_authentication(req.protocol)
            req.signature = sig
            principal = identity.resolve(sig, req.protocol, self.sessions, self.admin_key,
                                         self.admin_secret, now)
            sigv4.check_time(req, sig, now)
            sigv4.check_signature(req, sig, principal.secret_access_key, sig.security_token)
            if sts.handles(req):
                status, headers, body = sts.handle(req, principal, now, self.sessions,
                                                   self.codes)
                return self._respond(start_response, status, headers, body)
            authorize.check(req, principal, now)
        except errors.AWSError as error:
            return self._error(start_response, error, req)
        except Exception:  # a bug here must not look like an AWS answer
            traceback.print_exc(file=sys.stderr)
            error = errors.AWSError("InternalFailure", "localaws middleware error", 500,
                                    sender=False)
            return self._error(start_response, error, req)
        forward.prepare(environ, req, principal)
        return self._forward(environ, start_response)

    def _error(self, start_response, error, req):
        status, headers, body = errors.render(error, req.protocol, req.service,
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
