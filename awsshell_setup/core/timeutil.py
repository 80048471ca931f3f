"""UTC timestamps in the one format awsmfa stores and prints: 2026-11-28T06:37:00Z.

Stored times are always UTC (awsume stored naive local time and broke across time zones).
"""
import datetime as _dt

UTC = _dt.timezone.utc
# Expiry times come from AWS's clock, which may run ahead of ours by as much as SigV4 lets a
# request through (15 minutes): a fresh session can end that much after now + its length.
CLOCK_SKEW_SECONDS = 900


def now():
    return _dt.datetime.now(UTC)


def format_utc(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text):
    """Parse what format_utc wrote (and other ISO 8601 forms with an offset); None if unusable."""
    text = (text or "").strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None  # a naive time is ambiguous: treat as no cache rather than guess the zone
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-01:00 is past the last datetime once in UTC
        return None


def believable(expiration, duration, moment=None):
    """Whether a session `duration` seconds long can end at `expiration` as seen at `moment`:
    no later than one started then would. A later end is not one STS gave: never trust it."""
    moment = now() if moment is None else moment
    return expiration <= moment + _dt.timedelta(seconds=duration + CLOCK_SKEW_SECONDS)


def describe_span(seconds):
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {rest % 60:02d}s"
