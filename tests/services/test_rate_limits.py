"""Rate limits counted in the database: the window, keys apart, all-or-nothing, shared, bounded."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from clock_fixtures import Clock, clock, ctx
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from credstack.core.errors import TooManyRequestsError
from credstack.core.rate_limit import DEFAULT_LIMITS, Limit
from credstack.services.context import ServiceContext
from credstack.services.rate_limits import Hit, RateLimiter, count
from credstack.store.engine import session_factory
from credstack.store.models import RateLimitHit

__all__ = ["clock", "ctx"]


LIMITS = {**DEFAULT_LIMITS, "verify": Limit(3, 60)}


def _hit(db: Session, ctx: ServiceContext, key: str = "ip", **limits: Limit) -> bool:
    return count(db, ctx, {**LIMITS, **limits}, [Hit("verify", key)]).allowed


def test_the_window_slides_and_retry_after_points_at_the_oldest_hit(
    db: Session, ctx: ServiceContext, clock: Clock
) -> None:
    allowed = []
    for second in (0, 10, 20):
        clock.at(second)
        allowed.append(_hit(db, ctx))
    assert allowed == [True, True, True]
    clock.at(30)
    refused = count(db, ctx, LIMITS, [Hit("verify", "ip")])
    assert not refused.allowed and refused.retry_after == 30  # the hit at 0 leaves at 60
    clock.at(60)
    assert _hit(db, ctx)  # refused hits did not count
    clock.at(61)
    assert not _hit(db, ctx)


def test_keys_and_limits_are_counted_apart(db: Session, ctx: ServiceContext) -> None:
    one = Limit(1, 60)
    assert _hit(db, ctx, "a", verify=one)
    assert _hit(db, ctx, "b", verify=one)
    assert not _hit(db, ctx, "a", verify=one)
    assert count(db, ctx, {**LIMITS, "sign-up": one}, [Hit("sign-up", "a")]).allowed


def test_several_limits_count_all_or_nothing(db: Session, ctx: ServiceContext) -> None:
    limits = {**LIMITS, "sign-in-ip": Limit(3, 60), "sign-in": Limit(1, 60)}
    first = [Hit("sign-in-ip", "ip"), Hit("sign-in", "ip|a@example.org")]
    assert count(db, ctx, limits, first).allowed
    assert not count(db, ctx, limits, first).allowed  # the address is used up ...
    # ... and that refusal did not count against the IP: two more addresses still pass
    for address in ("b@example.org", "c@example.org"):
        assert count(db, ctx, limits, [Hit("sign-in-ip", "ip"), Hit("sign-in", address)]).allowed
    assert not count(db, ctx, limits, [Hit("sign-in-ip", "ip"), Hit("sign-in", "d")]).allowed


def test_keys_are_stored_as_keyed_digests(db: Session, ctx: ServiceContext) -> None:
    _hit(db, ctx, "203.0.113.7|ada@example.org")
    stored = db.scalars(select(RateLimitHit.key_hash)).all()
    assert len(stored) == 1 and len(stored[0]) == 64
    assert "203.0.113.7" not in stored[0] and "ada" not in stored[0]


def test_hits_past_every_window_are_deleted_as_new_ones_arrive(
    db: Session, ctx: ServiceContext, clock: Clock
) -> None:
    for key in range(150):
        _hit(db, ctx, f"visitor-{key}")
    longest = max(limit.window for limit in LIMITS.values())
    clock.at(longest + 1)
    _hit(db, ctx, "later")
    _hit(db, ctx, "later")
    assert db.scalar(select(func.count(RateLimitHit.id))) == 2  # 100 swept per hit


def test_two_limiters_on_one_database_share_the_count(
    sessions: sessionmaker[Session], ctx: ServiceContext
) -> None:
    """Two app processes: each counts what the other counted."""
    first, second = RateLimiter(sessions, LIMITS), RateLimiter(sessions, LIMITS)
    first.enforce(ctx, Hit("verify", "ip"))
    second.enforce(ctx, Hit("verify", "ip"))
    first.enforce(ctx, Hit("verify", "ip"))
    with pytest.raises(TooManyRequestsError) as refused:
        second.enforce(ctx, Hit("verify", "ip"))
    assert refused.value.retry_after == 60
    assert "wait 60 seconds" in refused.value.message


@pytest.fixture
def committed_engine(engine: Engine) -> Iterator[Engine]:
    """The test database with commits that stick; the table is emptied afterwards."""
    yield engine
    with engine.begin() as connection:
        connection.execute(delete(RateLimitHit))


def test_concurrent_hits_never_exceed_the_limit(
    committed_engine: Engine, ctx: ServiceContext
) -> None:
    """20 threads at once against a limit of 5: exactly 5 pass, none fails with an error."""
    limiter = RateLimiter(session_factory(committed_engine), {**LIMITS, "verify": Limit(5, 60)})
    start = threading.Barrier(20)
    outcomes: list[bool] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        start.wait(10)
        try:
            outcomes.append(limiter.check(ctx, Hit("verify", "one-ip")).allowed)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(outcomes) == [False] * 15 + [True] * 5
