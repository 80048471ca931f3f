"""What the middleware needs to know about one incoming request, read once from the WSGI environ.

The body is read here and put back as a fresh stream, because three readers need it: the
signature check (the payload hash), the authorization check (the Query ``Action`` sits in a
form body) and moto itself.
"""

import io
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional
from urllib.parse import parse_qsl, quote

from . import aws_errors, awstime

# Services whose REST API speaks XML; other REST services speak JSON. Only used to shape
# errors for requests the middleware refuses (moto shapes its own answers).
_REST_XML_SERVICES = {"s3", "s3-control", "route53", "cloudfront"}

# The signing name is not always the IAM action prefix (CloudWatch signs as "monitoring").
_IAM_PREFIX_ALIASES = {"monitoring": "cloudwatch", "email": "ses", "execute-api": "execute-api"}

_CREDENTIAL_RE = re.compile(r"^([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request$")


@dataclass
class Signature:
    """A SigV4 signature, from the Authorization header or a presigned URL's query."""

    access_key: str
    scope_date: str          # yyyymmdd from the credential scope
    region: str
    service: str             # signing name, e.g. "sts", "ec2"
    signed_headers: List[str]
    signature: str
    amz_date: str            # timestamp that was signed, in X-Amz-Date form
    request_time: float      # the same, as epoch seconds
    security_token: Optional[str]
    presigned: bool
    expires: Optional[int]   # X-Amz-Expires of a presigned URL


@dataclass
class IncomingRequest:
    method: str
    raw_path: str            # as sent on the wire (still percent-encoded)
    query: str               # raw query string, without "?"
    headers: Dict[str, str]  # lower-case names
    body: bytes
    params: Dict[str, str] = field(default_factory=dict)  # Query protocol: query + form
    signature: Optional[Signature] = None
    service: str = ""
    protocol: str = aws_errors.QUERY

    @property
    def host(self) -> str:
        return self.headers.get("host", "")

    @property
    def action(self) -> Optional[str]:
        """The operation name, where the protocol carries it (Query or JSON), else None.

        REST protocols encode the operation in method and path; the local AWS does not map
        those (see policy enforcement notes in ``authorize``).
        """
        target = self.headers.get("x-amz-target")
        if target:
            return target.rsplit(".", 1)[-1]
        return self.params.get("Action")

    @property
    def iam_action(self) -> Optional[str]:
        """``service:Action`` as IAM policies name it, e.g. ``ec2:StopInstances``."""
        action = self.action
        if not action or not self.service:
            return None
        prefix = _IAM_PREFIX_ALIASES.get(self.service, self.service)
        return f"{prefix}:{action}"


def read_request(environ: dict) -> IncomingRequest:
    """Parse ``environ`` (and rewind its body for the next reader). Never raises AWSError."""
    body = _read_body(environ)
    headers = _headers(environ)
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw_uri:
        raw_path = raw_uri.split("?", 1)[0] or "/"
    else:
        raw_path = quote(environ.get("PATH_INFO", "/"), safe="/~!$&'()*+,;=:@%")
    query = environ.get("QUERY_STRING", "")
    req = IncomingRequest(
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        raw_path=raw_path,
        query=query,
        headers=headers,
        body=body,
    )
    params = dict(parse_qsl(query, keep_blank_values=True))
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    req.params = params
    req.service = _service_from_scope(headers, params)
    req.protocol = _protocol(req)
    return req


def parse_signature(req: IncomingRequest) -> Optional[Signature]:
    """The request's SigV4 signature; None when unsigned. Raises AWSError when malformed."""
    auth = req.headers.get("authorization")
    if auth is not None:
        return _from_header(req, auth)
    if "X-Amz-Credential" in req.params or "X-Amz-Signature" in req.params:
        return _from_query(req)
    return None


def _from_header(req: IncomingRequest, auth: str) -> Signature:
    algorithm, _, rest = auth.strip().partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        # SigV2 ("AWS AKID:sig") and friends: not supported by this server.
        raise aws_errors.missing_authentication(req.protocol)
    parts = {}
    for item in rest.split(","):
        key, eq, value = item.strip().partition("=")
        if eq:
            parts[key] = value
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if k not in parts]
    if missing:
        raise aws_errors.incomplete_signature(
            req.protocol,
            f"Authorization header requires '{missing[0]}' parameter. "
            f"Authorization={auth}",
        )
    date_text = req.headers.get("x-amz-date")
    return _build(req, parts["Credential"], parts["SignedHeaders"], parts["Signature"],
                  date_text, req.headers.get("x-amz-security-token"), False, None)


def _from_query(req: IncomingRequest) -> Signature:
    p = req.params
    needed = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders",
              "X-Amz-Signature"]
    missing = [k for k in needed if k not in p]
    if missing or p["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
        raise aws_errors.incomplete_signature(
            req.protocol, f"Presigned request is missing {missing[0] if missing else 'a'} "
            "valid X-Amz-Algorithm")
    try:
        expires = int(p["X-Amz-Expires"]) if "X-Amz-Expires" in p else None
    except ValueError:
        raise aws_errors.incomplete_signature(req.protocol, "X-Amz-Expires must be a number")
    return _build(req, p["X-Amz-Credential"], p["X-Amz-SignedHeaders"], p["X-Amz-Signature"],
                  p["X-Amz-Date"], p.get("X-Amz-Security-Token"), True, expires)


def _build(req, credential, signed_headers, signature, date_text, token, presigned, expires):
    match = _CREDENTIAL_RE.match(credential.strip())
    if not match:
        raise aws_errors.incomplete_signature(
            req.protocol, f"Credential should be scoped to a valid region. ({credential})")
    access_key, scope_date, region, service = match.groups()
    request_time = None
    if date_text:
        try:
            request_time = awstime.parse_amz_date(date_text)
        except ValueError:
            pass
    elif req.headers.get("date") and not presigned:
        # SigV4 allows the plain Date header instead of X-Amz-Date.
        try:
            request_time = awstime.parse_http_date(req.headers["date"])
            date_text = awstime.amz_date(request_time)
        except ValueError:
            pass
    if request_time is None:
        raise aws_errors.incomplete_signature(
            req.protocol, "Authorization header requires existence of either a 'X-Amz-Date' "
            "or a 'Date' header.")
    return Signature(
        access_key=access_key,
        scope_date=scope_date,
        region=region,
        service=service,
        signed_headers=[h.strip().lower() for h in signed_headers.split(";") if h.strip()],
        signature=signature.strip(),
        amz_date=date_text,
        request_time=request_time,
        security_token=token,
        presigned=presigned,
        expires=expires,
    )


def _read_body(environ: dict) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        # Chunked upload, already de-chunked by werkzeug: read to the end.
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("wsgi.input_terminated", None)
    return body


def _headers(environ: dict) -> Dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["content-length"] = environ["CONTENT_LENGTH"]
    return headers


def _service_from_scope(headers: Dict[str, str], params: Dict[str, str]) -> str:
    credential = ""
    auth = headers.get("authorization", "")
    if "Credential=" in auth:
        credential = auth.split("Credential=", 1)[1].split(",", 1)[0]
    elif "X-Amz-Credential" in params:
        credential = params["X-Amz-Credential"]
    pieces = credential.strip().split("/")
    return pieces[3].lower() if len(pieces) == 5 else ""


def _protocol(req: IncomingRequest) -> str:
    if req.service == "ec2":
        return aws_errors.EC2
    if "x-amz-target" in req.headers:
        return aws_errors.JSON
    if "Action" in req.params:
        return aws_errors.QUERY
    if req.service in _REST_XML_SERVICES:
        return aws_errors.REST_XML
    return aws_errors.REST_JSON if req.service else aws_errors.QUERY
