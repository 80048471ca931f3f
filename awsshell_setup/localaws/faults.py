"""Faults on demand, so tests can see what a client does when AWS misbehaves.

``LocalAWS.fail_next(kind, count)`` makes the next ``count`` requests (``None``: every request
until ``heal()``) fail one of these ways, in the answer AWS itself would give:

* ``"reset"``      the connection is closed with a TCP reset and no answer
* ``"hang"``       no answer at all (until ``hang_seconds`` pass or ``heal()`` is called)
* ``"500"``        HTTP 500 ``InternalFailure``, in the service's own error envelope
* ``"throttle"``   HTTP 400 ``Throttling: Rate exceeded``, as STS and IAM throttle
* ``"malformed"``  HTTP 200 with XML cut off mid-answer; it carries ``MALFORMED_SECRET`` where a
                   session token would be, so a test can check no client prints the body

``LocalAWS.down()`` is the fifth: nothing listens on the port (connection refused).

Not a failure of one request but of IAM's eventual consistency: ``new_key_delay`` (seconds, 0
by default, back to 0 on every reset) makes a new access key unknown for that long after its
creation, as AWS warns: "a new access key might not be usable right away ... changes take time
to propagate" (IAM User Guide, "Troubleshoot IAM: changes that I make are not always
immediately visible",
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
A test switches it per test: ``local_aws.faults.new_key_delay = 3``; it applies to keys created
from then on (the scenario's own key, made just before, stays usable).

Requests to moto's own ``/moto-api`` never fail and are not counted. ``seen`` counts every
other request the server received, faulty or not, so a test can prove a client made no call
(or exactly N).
"""

import collections
import socket
import struct
import threading
import time
from typing import List, Optional, Tuple

KINDS = ("reset", "hang", "500", "throttle", "malformed")
MALFORMED_SECRET = "localawsMalformedAnswerSecretToken0000"
DEFAULT_HANG_SECONDS = 60.0


class Faults:
    """The planned faults, shared by the server threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._plan: List[Tuple[str, Optional[int]]] = []
        self._release = threading.Event()
        self.hang_seconds = DEFAULT_HANG_SECONDS
        self.seen = 0                          # requests received (not /moto-api)
        self.served = collections.Counter()    # faults answered, by kind
        self._new_key_delay = 0.0              # seconds a new access key stays unknown
        self._delay_since = 0.0                # ...if created after this (epoch seconds)
        self.refused_new_keys = 0              # requests refused for it

    def fail_next(self, kind: str, count: Optional[int] = 1) -> None:
        """Make the next `count` requests fail as `kind` (None: all of them, until heal())."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(KINDS)}")
        if count is not None and count < 1:
            raise ValueError("count must be at least 1, or None for every request")
        with self._lock:
            self._plan.append((kind, count))

    def heal(self) -> None:
        """No more faults; requests hanging now are let go (they get a 503)."""
        with self._lock:
            self._plan.clear()
            self._release.set()
            self._release = threading.Event()

    def reset(self) -> None:
        self.heal()
        with self._lock:
            self.seen = 0
            self.served.clear()
            self.hang_seconds = DEFAULT_HANG_SECONDS
            self._new_key_delay = 0.0
            self.refused_new_keys = 0

    def take(self) -> Optional[str]:
        """Count one request; the fault it must suffer, if any."""
        with self._lock:
            self.seen += 1
            if not self._plan:
                return None
            kind, count = self._plan[0]
            if count is not None:
                if count == 1:
                    self._plan.pop(0)
                else:
                    self._plan[0] = (kind, count - 1)
            self.served[kind] += 1
            return kind

    @property
    def new_key_delay(self) -> float:
        return self._new_key_delay

    @new_key_delay.setter
    def new_key_delay(self, seconds: float) -> None:
        self._new_key_delay, self._delay_since = float(seconds), time.time()

    def still_propagating(self, created: float) -> bool:
        """Whether a key created at ``created`` (epoch seconds) is not yet known everywhere
        (new_key_delay, for keys made since it was set); counts it."""
        if created < self._delay_since or time.time() - created >= self._new_key_delay:
            return False
        with self._lock:
            self.refused_new_keys += 1
        return True

    def hang(self) -> None:
        with self._lock:
            release = self._release
        release.wait(self.hang_seconds)


def reset_connection(environ) -> None:
    """Drop the client's connection before any answer; SO_LINGER 0 makes its close a RST."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)  # now, not when the last reference goes
        except OSError:
            pass
    # werkzeug takes this for a dropped connection: it writes nothing, and the server closes
    # the socket when the handler returns.
    raise ConnectionResetError("localaws fault: connection reset")


def malformed_body(service: str) -> bytes:
    """A 200 answer cut off mid-XML (a proxy truncating it, a captive portal, a bad gateway)."""
    return ("<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
            "  <GetSessionTokenResult>\n    <Credentials>\n"
            f"      <SessionToken>{MALFORMED_SECRET}</SessionToken>\n"
            "      <SecretAccessKey>" + MALFORMED_SECRET[::-1]).encode()
