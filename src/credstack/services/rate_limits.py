"""Rate limits kept in the database, so that every app process counts the same hits.

A hit is one row (``RateLimitHit``: limit name, keyed digest of the key, time). To count
one, the key's lock is taken (``store.locks``), its hits inside the window are read, the
pure ``core.rate_limit.decide`` says yes or no, and a yes adds a row. Several limits can
be checked as one (sign-in counts per IP and per IP + address): either all of them count
the hit or, when one refuses, none does. Hits past every window are deleted as new ones
arrive (``store.sweeping``), so the table holds roughly the last hour's requests.

Keys are stored as an HMAC under a key derived from the master secret: the table never
holds the IP addresses and e-mail addresses it counts.

:func:`count` works inside the caller's transaction (a hit that belongs with the work,
e.g. a resent claim e-mail). :class:`RateLimiter` counts in a short transaction of its
own, committed at once: the hit stands even if the request then fails, and the lock is
held for milliseconds. Call it before the request's own session touches the database:
on SQLite a transaction that has read cannot write after another one committed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from credstack.core.errors import TooManyRequestsError
from credstack.core.rate_limit import Decision, Limit, configured_limits, decide
from credstack.services.context import ServiceContext
from credstack.store.engine import SQLITE_BEGIN_IMMEDIATE, session_scope
from credstack.store.locks import lock_names
from credstack.store.models import RateLimitHit
from credstack.store.sweeping import delete_lapsed

if TYPE_CHECKING:
    from credstack.settings import Settings


@dataclass(frozen=True)
class Hit:
    """One hit to count: of limit ``name`` (``sign-in``) for ``key`` (``203.0.113.7|a@b.org``)."""

    name: str
    key: str


def key_digest(master_secret: bytes, hit: Hit) -> str:
    """The stored form of a hit's key: HMAC-SHA256 under a key derived from the master secret."""
    derived = hmac.new(master_secret, b"credstack/rate-limit-key/v1", hashlib.sha256).digest()
    message = hit.name.encode("utf-8") + b"\x00" + hit.key.encode("utf-8")
    return hmac.new(derived, message, hashlib.sha256).hexdigest()


def count(
    session: Session, ctx: ServiceContext, limits: Mapping[str, Limit], hits: Sequence[Hit]
) -> Decision:
    """Count ``hits`` if every one is within its limit; else the refusal with the longest wait.

    Flushes only: the hits stand or fall with the caller's transaction.
    """
    now = ctx.now()
    keyed = [(hit, key_digest(ctx.master_secret, hit)) for hit in hits]
    lock_names(session, (f"rate-limit:{hit.name}:{digest}" for hit, digest in keyed))
    oldest_kept = now - timedelta(seconds=max(limit.window for limit in limits.values()))
    delete_lapsed(session, RateLimitHit.id, RateLimitHit.at <= oldest_kept)
    refusals: list[Decision] = []
    for hit, digest in keyed:
        limit = limits[hit.name]
        since = now - timedelta(seconds=limit.window)
        mine = (RateLimitHit.scope == hit.name, RateLimitHit.key_hash == digest)
        session.execute(delete(RateLimitHit).where(*mine, RateLimitHit.at <= since))
        times = session.scalars(select(RateLimitHit.at).where(*mine)).all()
        decision = decide((at.timestamp() for at in times), limit, now.timestamp())
        if not decision.allowed:
            refusals.append(decision)
    if refusals:
        return max(refusals, key=lambda refusal: refusal.retry_after)
    rows = [{"scope": hit.name, "key_hash": digest, "at": now} for hit, digest in keyed]
    session.execute(insert(RateLimitHit), rows)
    return Decision(True)


def refusal(decision: Decision) -> TooManyRequestsError:
    """The error for a refused hit, with the wait in its message and ``retry_after``."""
    return TooManyRequestsError(
        f"too many attempts: wait {decision.retry_after} seconds and try again",
        retry_after=decision.retry_after,
    )


class RateLimiter:
    """An app's limits, counted each in a transaction of its own (see the module docstring)."""

    def __init__(self, sessions: sessionmaker[Session], limits: Mapping[str, Limit]) -> None:
        self.sessions = sessions
        self.limits = dict(limits)

    @classmethod
    def from_settings(cls, sessions: sessionmaker[Session], settings: Settings) -> RateLimiter:
        """The default limits with ``CREDSTACK_RATE_LIMITS`` applied."""
        return cls(sessions, configured_limits(settings.rate_limits))

    def check(self, ctx: ServiceContext, *hits: Hit) -> Decision:
        """Count ``hits`` (all or none) and commit at once."""
        with session_scope(self.sessions) as session:
            session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})
            return count(session, ctx, self.limits, hits)

    def enforce(self, ctx: ServiceContext, *hits: Hit) -> None:
        """:meth:`check`, raising ``TooManyRequestsError`` (429, ``Retry-After``) when refused."""
        decision = self.check(ctx, *hits)
        if not decision.allowed:
            raise refusal(decision)
