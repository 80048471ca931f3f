"""SigV4 checks: the timestamp against the server clock, and the signature itself.

The signature is recomputed with botocore's own signer classes (the code every boto3 and aws
CLI client signs with), fed with what arrived on the wire: method, the raw path, the raw query
string, only the headers the client listed in SignedHeaders, and the body. Then it is compared
with the client's in constant time.

Limits, on purpose: only AWS4-HMAC-SHA256 (no SigV2, no SigV4a); the chunk signatures of an
``aws-chunked`` S3 upload are not checked (the seed signature over the headers is); headers
that a proxy rewrote would fail, as they would against AWS.
"""

import hmac
from typing import Optional

from . import aws_errors
from .request import IncomingRequest, Signature


def check_time(req: IncomingRequest, sig: Signature, now: float) -> None:
    """Refuse a request signed more than 15 minutes away from the server clock.

    For a presigned URL the window is its X-Amz-Expires instead (AWS: "Request has expired").
    """
    if sig.presigned and sig.expires is not None:
        if now > sig.request_time + sig.expires:
            if req.protocol == aws_errors.REST_XML:
                raise aws_errors.AWSError("AccessDenied", "Request has expired", 403)
            raise aws_errors.AWSError("RequestExpired", aws_errors.MSG_EC2_REQUEST_EXPIRED, 400)
        if sig.request_time - now > aws_errors.MAX_SKEW_SECONDS:
            raise aws_errors.signature_expired(req.protocol, sig.request_time, now)
        return
    if abs(now - sig.request_time) > aws_errors.MAX_SKEW_SECONDS:
        raise aws_errors.signature_expired(req.protocol, sig.request_time, now)


def check_signature(req: IncomingRequest, sig: Signature, secret_key: str,
                    token: Optional[str]) -> None:
    """Raise the protocol's bad-signature error unless ``sig`` verifies with ``secret_key``."""
    expected = expected_signature(req, sig, secret_key, token)
    if not hmac.compare_digest(expected, sig.signature):
        raise aws_errors.bad_signature(req.protocol)


def expected_signature(req: IncomingRequest, sig: Signature, secret_key: str,
                       token: Optional[str]) -> str:
    # botocore is imported here, not at module import: it costs ~100 ms and the package must
    # stay cheap to import for the awsmfa command itself.
    from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    is_s3 = sig.service == "s3"
    if sig.presigned:
        signer_class = S3SigV4QueryAuth if is_s3 else SigV4QueryAuth
    else:
        signer_class = S3SigV4Auth if is_s3 else SigV4Auth
    signer = signer_class(Credentials(sig.access_key, secret_key, token), sig.service, sig.region)

    query = req.query
    if sig.presigned:
        # The signature covers every query parameter except itself.
        query = "&".join(
            pair for pair in query.split("&")
            if pair and pair.partition("=")[0] != "X-Amz-Signature"
        )
    host = req.headers.get("host", "localhost")
    url = f"http://{host}{req.raw_path}" + (f"?{query}" if query else "")

    # Only the headers the client signed: botocore's signer signs every header it is given.
    headers = {}
    for name in sig.signed_headers:
        if name in req.headers:
            headers[name] = req.headers[name]
        elif name == "host":
            headers[name] = host
    request = AWSRequest(method=req.method, url=url, headers=headers, data=req.body)
    request.context["timestamp"] = sig.amz_date

    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    # The scope date must be the signed date's day; a mismatch simply fails to verify,
    # because the client derived its key from the scope date and we derive ours from amz_date.
    if sig.scope_date != sig.amz_date[:8]:
        return ""
    return signer.signature(string_to_sign, request)
