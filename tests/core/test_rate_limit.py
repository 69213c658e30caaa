"""The sliding-window limiter: exact allowance, Retry-After, keys apart, bounded memory."""

from __future__ import annotations

import pytest

from credstack.core import rate_limit
from credstack.core.rate_limit import RateLimiters, SlidingWindowLimiter


def test_the_window_slides_and_retry_after_points_at_the_oldest_hit() -> None:
    limiter = SlidingWindowLimiter(3, 60)
    assert [limiter.hit("ip", t).allowed for t in (0, 10, 20)] == [True, True, True]
    refused = limiter.hit("ip", 30)
    assert not refused.allowed and refused.retry_after == 30  # the hit at 0 leaves at 60
    assert limiter.hit("ip", 60).allowed  # refused hits did not count
    assert not limiter.hit("ip", 61).allowed


def test_keys_are_counted_apart() -> None:
    limiter = SlidingWindowLimiter(1, 60)
    assert limiter.hit("a", 0).allowed
    assert limiter.hit("b", 0).allowed
    assert not limiter.hit("a", 1).allowed


def test_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "MAX_KEYS", 2)
    limiter = SlidingWindowLimiter(1, 60)
    for key in ("a", "b", "c"):
        limiter.hit(key, 0)
    assert limiter.hit("a", 1).allowed  # the least recently seen key was forgotten


def test_named_limiters_use_their_limits() -> None:
    limiters = RateLimiters({"verify": (1, 5)})
    assert limiters.get("verify") is limiters.get("verify")
    assert limiters.get("verify").limit == 1
    with pytest.raises(ValueError):
        SlidingWindowLimiter(0, 1)
