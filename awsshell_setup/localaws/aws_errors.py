"""AWS error responses, shaped per wire protocol as the real services shape them.

One service family answers the same fault with different codes: a bad key is
``InvalidClientTokenId`` for STS and IAM (Query protocol), ``AuthFailure`` for EC2,
``UnrecognizedClientException`` for JSON services and ``InvalidAccessKeyId`` for S3. botocore
reads the code from each protocol's own envelope, so both the code *and* the envelope must be
right for ``ClientError.response["Error"]["Code"]`` (and the aws CLI's message) to come out as
they would against AWS. The factories below take the protocol and pick the real code; the
sources are the AWS "Common Errors" pages, the EC2 error-code list, and errors users report
(an expired session on EC2 is ``RequestExpired: Request has expired.``: aws-vault #394).
"""

import json
from typing import Dict, List, Optional, Tuple
from xml.sax.saxutils import escape

from . import awstime

# Wire protocols (botocore's names, shortened): "query" (STS, IAM, SNS...), "ec2" (EC2's own
# Query dialect with a different error envelope), "json" (X-Amz-Target services),
# "rest-xml" (S3, Route 53...) and "rest-json" (Lambda...).
QUERY, EC2, JSON, REST_XML, REST_JSON = "query", "ec2", "json", "rest-xml", "rest-json"

_XMLNS = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}

# Messages AWS uses verbatim (tools grep them, so keep the exact wording and punctuation).
MSG_INVALID_TOKEN = "The security token included in the request is invalid."
MSG_EXPIRED_TOKEN = "The security token included in the request is expired"
MSG_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
MSG_EC2_AUTH_FAILURE = "AWS was not able to validate the provided access credentials"
MSG_EC2_REQUEST_EXPIRED = "Request has expired."
MSG_MFA_FAILED = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
MSG_MFA_SERIAL = (
    "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA "
    "serial number is valid and associated with this user."
)
MSG_SESSION_CALLS_GST = "Cannot call GetSessionToken with session credentials"

# How far a request's timestamp may be from the server clock (SigV4 rule).
MAX_SKEW_SECONDS = 15 * 60


class AWSError(Exception):
    """A fault to send back instead of forwarding the request to moto."""

    def __init__(self, code: str, message: str, status: int = 400, sender: bool = True):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        # Query protocol errors say whose fault it is: <Type>Sender</Type> or Receiver.
        self.sender = sender


def _pick(protocol: str, table: Dict[str, Tuple[str, str, int]]) -> AWSError:
    code, message, status = table.get(protocol, table[QUERY])
    return AWSError(code, message, status)


def invalid_key(protocol: str) -> AWSError:
    """Unknown, inactive or deleted access key, or a session token that does not match."""
    return _pick(protocol, {
        QUERY: ("InvalidClientTokenId", MSG_INVALID_TOKEN, 403),
        EC2: ("AuthFailure", MSG_EC2_AUTH_FAILURE, 401),
        JSON: ("UnrecognizedClientException", MSG_INVALID_TOKEN, 400),
        REST_JSON: ("UnrecognizedClientException", MSG_INVALID_TOKEN, 403),
        REST_XML: ("InvalidAccessKeyId",
                   "The AWS Access Key Id you provided does not exist in our records.", 403),
    })


def bad_signature(protocol: str) -> AWSError:
    """The signature does not verify with the key's secret (a wrong secret, mostly)."""
    return _pick(protocol, {
        QUERY: ("SignatureDoesNotMatch", MSG_BAD_SIGNATURE, 403),
        # EC2 does not tell a bad key from a bad signature.
        EC2: ("AuthFailure", MSG_EC2_AUTH_FAILURE, 401),
        JSON: ("InvalidSignatureException", MSG_BAD_SIGNATURE, 400),
        REST_JSON: ("InvalidSignatureException", MSG_BAD_SIGNATURE, 403),
        REST_XML: ("SignatureDoesNotMatch",
                   "The request signature we calculated does not match the signature you "
                   "provided. Check your key and signing method.", 403),
    })


def expired_token(protocol: str) -> AWSError:
    """A session key used after its Expiration (on the server clock)."""
    return _pick(protocol, {
        QUERY: ("ExpiredToken", MSG_EXPIRED_TOKEN, 400),
        EC2: ("RequestExpired", MSG_EC2_REQUEST_EXPIRED, 400),
        JSON: ("ExpiredTokenException", MSG_EXPIRED_TOKEN, 400),
        REST_JSON: ("ExpiredTokenException", MSG_EXPIRED_TOKEN, 403),
        REST_XML: ("ExpiredToken", "The provided token has expired.", 400),
    })


def signature_expired(protocol: str, request_time: float, now: float) -> AWSError:
    """The request's X-Amz-Date is more than 15 minutes from the server clock.

    The Query/JSON message carries the three timestamps; clients that correct clock skew
    compare them (or the response's Date header) with their own clock.
    """
    if request_time < now:
        message = (
            f"Signature expired: {awstime.amz_date(request_time)} is now earlier than "
            f"{awstime.amz_date(now - MAX_SKEW_SECONDS)} "
            f"({awstime.amz_date(now)} - 15 min.)"
        )
    else:
        message = (
            f"Signature not yet current: {awstime.amz_date(request_time)} is still later than "
            f"{awstime.amz_date(now + MAX_SKEW_SECONDS)} "
            f"({awstime.amz_date(now)} + 15 min.)"
        )
    return _pick(protocol, {
        QUERY: ("SignatureDoesNotMatch", message, 403),
        EC2: ("RequestExpired", MSG_EC2_REQUEST_EXPIRED, 400),
        JSON: ("InvalidSignatureException", message, 400),
        REST_JSON: ("InvalidSignatureException", message, 403),
        REST_XML: ("RequestTimeTooSkewed",
                   "The difference between the request time and the current time is too large.",
                   403),
    })


def missing_authentication(protocol: str) -> AWSError:
    """No SigV4 signature at all (unsigned request, or SigV2, which this server refuses)."""
    return _pick(protocol, {
        QUERY: ("MissingAuthenticationToken", "Request is missing Authentication Token", 403),
        EC2: ("AuthFailure", MSG_EC2_AUTH_FAILURE, 401),
        JSON: ("MissingAuthenticationTokenException",
               "Request is missing Authentication Token", 400),
        REST_JSON: ("MissingAuthenticationTokenException",
                    "Request is missing Authentication Token", 403),
        REST_XML: ("AccessDenied", "Access Denied", 403),
    })


def incomplete_signature(protocol: str, detail: str) -> AWSError:
    """A malformed Authorization header or presigned query."""
    return _pick(protocol, {
        QUERY: ("IncompleteSignature", detail, 400),
        REST_XML: ("AuthorizationHeaderMalformed", detail, 400),
    })


def access_denied(protocol: str, principal_arn: str, action: str,
                  resource: Optional[str], explicit: bool) -> AWSError:
    """The identity policies do not allow the action (or a Deny matched).

    Wording follows IAM's current messages: "... is not authorized to perform: ec2:StopInstances
    on resource: ARN because no identity-based policy allows the ec2:StopInstances action";
    EC2 prefixes "You are not authorized to perform this operation."
    """
    on_resource = f" on resource: {resource}" if resource else ""
    if explicit:
        why = "with an explicit deny in an identity-based policy"
    else:
        why = f"because no identity-based policy allows the {action} action"
    core = f"User: {principal_arn} is not authorized to perform: {action}{on_resource} {why}"
    return _pick(protocol, {
        QUERY: ("AccessDenied", core, 403),
        EC2: ("UnauthorizedOperation",
              f"You are not authorized to perform this operation. {core}", 403),
        JSON: ("AccessDeniedException", core, 400),
        REST_JSON: ("AccessDeniedException", core, 403),
        REST_XML: ("AccessDenied", "Access Denied", 403),
    })


def render(error: AWSError, protocol: str, service: str,
           request_id: str) -> Tuple[int, List[Tuple[str, str]], bytes]:
    """Turn ``error`` into (status, headers, body) in the protocol's error envelope."""
    code, message = error.code, error.message
    headers = [("x-amzn-RequestId", request_id)]
    if protocol in (JSON, REST_JSON):
        body = json.dumps({"__type": code, "message": message}).encode()
        ctype = "application/x-amz-json-1.1" if protocol == JSON else "application/json"
        headers += [("Content-Type", ctype), ("x-amzn-ErrorType", code)]
    elif protocol == EC2:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Response><Errors><Error><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        ).encode()
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
    elif protocol == REST_XML:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        headers.append(("Content-Type", "application/xml"))
    else:
        xmlns = _XMLNS.get(service)
        attr = f' xmlns="{xmlns}"' if xmlns else ""
        kind = "Sender" if error.sender else "Receiver"
        body = (
            f"<ErrorResponse{attr}>\n  <Error>\n    <Type>{kind}</Type>\n"
            f"    <Code>{escape(code)}</Code>\n    <Message>{escape(message)}</Message>\n"
            f"  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    headers.append(("Content-Length", str(len(body))))
    return error.status, headers, body
