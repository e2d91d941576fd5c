"""The emulator's clock: wall time plus an offset that tests can move forward.

Retention (1 day free, 55 days paid; G21) is checked against this clock, so a
test proves expiry by advancing it (``POST /__emulator/clock`` when the server
runs with ``--test-control``) instead of waiting. Nothing else reads the time.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time

__all__ = ["LATEST_SECONDS", "Clock", "iso"]

LATEST_SECONDS = 253402214400.0  # 9999-12-31T00:00:00Z: iso() writes four-digit years


class Clock:
    """Seconds since the epoch, as ``time.time()`` plus an adjustable offset.

    Thread safe: the server thread reads it while a test thread advances it.
    """

    def __init__(self, offset: float = 0.0) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (never backward); return the new time."""
        if not math.isfinite(seconds):  # NaN would poison every later timestamp
            raise ValueError(f"advance_seconds must be a finite number, got {seconds!r}")
        if seconds < 0:
            raise ValueError(f"the clock only moves forward; advance_seconds={seconds}")
        with self._lock:
            if time.time() + self._offset + seconds > LATEST_SECONDS:
                raise ValueError(
                    f"advance_seconds={seconds!r} would move the clock past 9999-12-30 "
                    "(timestamps have four-digit years)"
                )
            self._offset += seconds
            return time.time() + self._offset

    def __repr__(self) -> str:
        return f"Clock(offset={self._offset!r})"


def iso(seconds: float) -> str:
    """RFC 3339 UTC with a ``Z``, to the second, as the live API writes ``created``."""
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
