"""The rate-limit decision: exact allowance, Retry-After, and the operator's limit syntax.

The counting itself (keys apart, shared by processes, bounded storage) is tested on the
database in tests/services/test_rate_limits.py.
"""

from __future__ import annotations

import pytest

from credstack.core.rate_limit import (
    DEFAULT_LIMITS,
    Decision,
    Limit,
    configured_limits,
    decide,
    parse_limits,
)


def test_a_hit_is_refused_while_the_window_is_full() -> None:
    limit = Limit(3, 60)
    assert decide([0, 10], limit, 20) == Decision(True)
    refused = decide([0, 10, 20], limit, 30)
    assert not refused.allowed and refused.retry_after == 30  # the hit at 0 leaves at 60
    assert decide([0, 10, 20], limit, 60).allowed  # at 60 the hit at 0 no longer counts
    assert not decide([10, 20, 60], limit, 61).allowed


def test_retry_after_waits_for_enough_hits_to_leave() -> None:
    """More hits than the limit (a lowered limit): wait until one fewer than the limit remain."""
    assert decide([0, 5, 10, 15], Limit(2, 60), 20) == Decision(False, 50)  # 10 leaves at 70
    assert decide([59.5], Limit(1, 60), 60) == Decision(False, 60)
    assert decide([0.2], Limit(1, 60), 60) == Decision(False, 1)  # never less than a second


def test_limits_need_a_hit_and_a_window() -> None:
    with pytest.raises(ValueError):
        Limit(0, 1)
    with pytest.raises(ValueError):
        Limit(1, 0)


def test_the_operator_writes_limits_per_name() -> None:
    parsed = parse_limits(" api-token=600/minute, sign-up=50/hour,sign-in=5/300s, verify=9/2h ")
    assert parsed == {
        "api-token": Limit(600, 60),
        "sign-up": Limit(50, 3600),
        "sign-in": Limit(5, 300),
        "verify": Limit(9, 7200),
    }
    assert parse_limits("") == {}
    assert [parse_limits(f"verify={text}")["verify"].describe() for text in (
        "30/minute", "20/hours", "1/day", "10/300s"
    )] == ["30/minute", "20/hour", "1/day", "10/300s"]  # fmt: skip
    configured = configured_limits("verify=1/second")
    assert (
        configured["verify"] == Limit(1, 1) and configured["sign-in"] == DEFAULT_LIMITS["sign-in"]
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("signin=10/minute", "NAME one of sign-in, sign-in-ip"),
        ("sign-in", "NAME=HITS/PERIOD"),
        ("sign-in=ten/minute", "100/minute"),
        ("sign-in=10/fortnight", "100/minute"),
        ("sign-in=0/minute", "at least 1 hit"),
    ],
)
def test_a_wrong_limit_says_what_to_write(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_limits(text)


def test_the_defaults_are_those_of_the_hardening_issue() -> None:
    assert DEFAULT_LIMITS["sign-in-ip"] == Limit(100, 60)
    assert DEFAULT_LIMITS["sign-in"] == Limit(10, 60)
    assert DEFAULT_LIMITS["sign-up"] == Limit(20, 3600)
    assert DEFAULT_LIMITS["verify"] == Limit(30, 60)
    assert DEFAULT_LIMITS["claim-resend"] == Limit(3, 3600)
    assert DEFAULT_LIMITS["api-token"] == Limit(1200, 60)
