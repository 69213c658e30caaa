"""A small in-memory sliding-window rate limiter (per process), for sign-in and verify.

Pure: the caller passes the current time, so tests need no sleeping. Each key (e.g.
``"203.0.113.7"``) keeps the times of its recent hits; a hit is refused while ``limit``
hits already lie inside the last ``window`` seconds, and the refusal says how long until
the oldest of them leaves the window (the ``Retry-After`` a client should honour).

Being in memory, limits are per process: behind several workers an attacker gets each
worker's allowance. That is the trade-off for needing no shared store.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

#: (hits, window in seconds) per limiter name; sign-in counts every attempt of an address
DEFAULT_LIMITS: dict[str, tuple[int, float]] = {
    "sign-in": (10, 300.0),
    "verify": (30, 60.0),
}
#: keys kept at most; beyond that the least recently seen are dropped (bounded memory)
MAX_KEYS = 10_000


@dataclass(frozen=True)
class Decision:
    """Whether a hit is allowed, and if not, after how many whole seconds to retry."""

    allowed: bool
    retry_after: int = 0


class SlidingWindowLimiter:
    """At most ``limit`` hits per key in any ``window`` seconds; thread-safe."""

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float) -> Decision:
        """Record a hit for ``key`` at ``now`` if allowed; refused hits are not recorded."""
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                self._hits[key] = hits
                return Decision(False, max(1, math.ceil(hits[0] + self.window - now)))
            hits.append(now)
            self._hits[key] = hits  # re-inserted last: dict order is least recently seen first
            while len(self._hits) > MAX_KEYS:
                del self._hits[next(iter(self._hits))]
            return Decision(True)


class RateLimiters:
    """The named limiters of one app (kept on ``app.state``), made on first use."""

    def __init__(self, limits: dict[str, tuple[int, float]] | None = None) -> None:
        self.limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self._limiters: dict[str, SlidingWindowLimiter] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> SlidingWindowLimiter:
        with self._lock:
            limiter = self._limiters.get(name)
            if limiter is None:
                limit, window = self.limits[name]
                limiter = self._limiters[name] = SlidingWindowLimiter(limit, window)
            return limiter
