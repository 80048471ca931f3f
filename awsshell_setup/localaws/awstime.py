"""Time formats AWS uses on the wire, all UTC, all from plain epoch seconds.

The local AWS runs on its own clock (``time.time() + clock_offset``) so tests can simulate a
skewed client or an expired session; every module therefore takes "now" as a number instead
of reading the system clock itself.
"""

import calendar
import time
from email.utils import formatdate, parsedate_tz, mktime_tz

# SigV4's basic ISO 8601 form, as in the X-Amz-Date header and the credential scope.
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


def amz_date(epoch: float) -> str:
    """``20261127T111500Z``: the X-Amz-Date form (and AWS's signature-expired message)."""
    return time.strftime(AMZ_DATE_FORMAT, time.gmtime(epoch))


def parse_amz_date(text: str) -> float:
    """Inverse of :func:`amz_date`; raises ValueError on anything else."""
    return float(calendar.timegm(time.strptime(text, AMZ_DATE_FORMAT)))


def iso8601(epoch: float) -> str:
    """``2026-11-28T06:37:00Z``: how STS writes a credential's Expiration."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def http_date(epoch: float) -> str:
    """RFC 7231 ``Date`` header value (``Fri, 27 Nov 2026 11:15:00 GMT``)."""
    return formatdate(epoch, usegmt=True)


def parse_http_date(text: str) -> float:
    """A request's ``Date`` header, which SigV4 accepts in place of X-Amz-Date."""
    parsed = parsedate_tz(text)
    if parsed is None:
        raise ValueError(f"not an HTTP date: {text!r}")
    return float(mktime_tz(parsed))
