"""Test-only: move this Python process's wall clock by the seconds written in the file
$AWSMFA_TEST_CLOCK_FILE (read at every call), so a real shell's `aws` and `awsmfa` (and the
credential_process awsmfa the AWS CLI starts) see the hours pass that the local AWS sees when a
test moves its clock (LocalAWS.clock_offset). Without it, a server clock an hour ahead would
refuse every request as skewed (AWS allows 15 minutes). Loaded through PYTHONPATH by
tests/test_roles_e2e.py only; the monotonic clock (timeouts, sleeps) is left alone.
"""
import datetime as _datetime
import os as _os
import time as _time

_FILE = _os.environ.get("AWSMFA_TEST_CLOCK_FILE")

if _FILE:
    _real_time = _time.time

    def _offset():
        try:
            with open(_FILE) as handle:
                return float(handle.read().strip() or 0)
        except (OSError, ValueError):
            return 0.0

    def _shifted_time():
        return _real_time() + _offset()

    class _ShiftedDatetime(_datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls.fromtimestamp(_shifted_time(), tz)

        @classmethod
        def utcnow(cls):
            return cls.fromtimestamp(_shifted_time(), _datetime.timezone.utc).replace(tzinfo=None)

        @classmethod
        def today(cls):
            return cls.fromtimestamp(_shifted_time())

    _time.time = _shifted_time
    _datetime.datetime = _ShiftedDatetime
