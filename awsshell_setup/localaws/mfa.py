"""TOTP codes of virtual MFA devices: checking them as AWS does, and picking one for tests.

AWS accepts the code of the current 30-second step or one step either side (clock drift
between phone and server), and refuses a code that was already used for that device, so a
code seen over someone's shoulder cannot be replayed. Both rules are kept here, evaluated on
the server clock so that ``LocalAWS.clock_offset`` moves codes along with everything else.
"""

import hmac
import re
import threading
import time
from typing import Callable, Optional, Set, Tuple

STEP_SECONDS = 30
_SIX_DIGITS = re.compile(r"^\d{6}$")

# Never hand out a code that stops being accepted within this many seconds: the caller still
# has to send it (the aws CLI alone takes about a second to start).
_MIN_VALIDITY_SECONDS = 5.0


def code_at(seed: str, epoch: float) -> str:
    import pyotp  # imported late: only the local AWS needs it

    return pyotp.TOTP(seed).at(int(epoch))


class MfaCodes:
    """Verifies codes and remembers the used ones, as (serial, code, time step)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._used: Set[Tuple[str, str, int]] = set()

    def verify(self, serial: str, seed: str, code: str, now: float) -> bool:
        """True, and the code is spent, if ``code`` is valid now and unused for ``serial``."""
        if not _SIX_DIGITS.match(code or ""):
            return False
        step = int(now // STEP_SECONDS)
        with self._lock:
            for candidate in (step, step - 1, step + 1):
                expected = code_at(seed, candidate * STEP_SECONDS)
                if not hmac.compare_digest(expected, code):
                    continue
                if (serial, code, candidate) in self._used:
                    continue
                self._used.add((serial, code, candidate))
                return True
        return False

    def accepted(self) -> int:
        """How many codes were accepted (and so spent) since the last clear."""
        with self._lock:
            return len(self._used)

    def was_used(self, serial: str, code: str, step: int) -> bool:
        with self._lock:
            return (serial, code, step) in self._used

    def fresh_code(self, serial: str, seed: str, now: Callable[[], float],
                   sleep: Callable[[float], None] = time.sleep) -> str:
        """A code the server accepts now and that was not used yet for ``serial``.

        Tries the current step, then the next (accepted for the whole next minute), then the
        previous (only if it stays valid a few seconds more); if all three are spent it waits
        for the next step, which makes a new one available. Tests log in several times in a
        row, so this wait happens at most once every three logins.
        """
        while True:
            current = now()
            step = int(current // STEP_SECONDS)
            left_in_step = (step + 1) * STEP_SECONDS - current
            candidates = [step, step + 1]
            if left_in_step > _MIN_VALIDITY_SECONDS:
                candidates.append(step - 1)
            for candidate in candidates:
                code = code_at(seed, candidate * STEP_SECONDS)
                if not self.was_used(serial, code, candidate):
                    return code
            sleep(left_in_step + 0.05)

    def clear(self) -> None:
        with self._lock:
            self._used.clear()


def six_digits(code: Optional[str]) -> bool:
    return bool(_SIX_DIGITS.match(code or ""))
