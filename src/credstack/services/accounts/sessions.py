"""Signed-in sessions kept in the database, so that ending one takes effect at once.

Signing in makes a random session id (256 bits); the browser keeps it in the signed
session cookie and the database keeps only its SHA-256 (``UserSession``). Every request
looks the row up: a deleted row is no session, whatever the cookie says. So signing
out, changing or resetting the password, and deleting the account end sessions on every
copy of the cookie, not only in the browser that asked.

A session ends after :attr:`SessionPolicy.idle` without use, and in any case
:attr:`SessionPolicy.lifetime` after signing in (``CREDSTACK_SESSION_IDLE_HOURS``,
``CREDSTACK_SESSION_MAX_DAYS``). Use is written back at most every
:data:`TOUCH_GRANULARITY`, so reading pages does not write on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.orm import Session

from credstack.services.accounts.random_tokens import new_token, token_digest
from credstack.services.context import ServiceContext
from credstack.store.engine import best_effort
from credstack.store.models import User, UserSession
from credstack.store.sweeping import delete_lapsed

if TYPE_CHECKING:
    from credstack.settings import Settings

#: ``last_seen_at`` (and with it the idle expiry) is written at most this often
TOUCH_GRANULARITY = timedelta(minutes=5)
_USER_AGENT_LENGTH = 300


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lasts: ``idle`` since last use, ``lifetime`` since signing in."""

    idle: timedelta
    lifetime: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(
            idle=timedelta(hours=settings.session_idle_hours),
            lifetime=timedelta(days=settings.session_max_days),
        )

    def expiry(self, row: UserSession, now: datetime) -> datetime:
        """When ``row`` ends if it is used at ``now`` and then not again."""
        return min(now + self.idle, row.created_at + self.lifetime)

    def ended(self, row: UserSession, now: datetime) -> bool:
        """Whether ``row`` has ended (by today's policy, not only by the stored expiry)."""
        return now >= min(row.expires_at, row.last_seen_at + self.idle) or (
            now >= row.created_at + self.lifetime
        )


def start_session(
    session: Session,
    ctx: ServiceContext,
    user: User,
    policy: SessionPolicy,
    *,
    user_agent: str | None = None,
    ip_address: str | None = None,
) -> str:
    """A new session of ``user``; returns its id, which only the cookie will hold."""
    now = ctx.now()
    delete_lapsed(session, UserSession.id_hash, UserSession.expires_at <= now)
    session_id = new_token(ctx)
    row = UserSession(
        id_hash=token_digest(session_id),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now,
        user_agent=(user_agent or "")[:_USER_AGENT_LENGTH] or None,
        ip_address=ip_address,
    )
    row.expires_at = policy.expiry(row, now)
    session.add(row)
    session.flush()
    return session_id


def session_user(
    session: Session, session_id: str, policy: SessionPolicy, now: datetime
) -> User | None:
    """The user of a live session, noting its use; None if it ended or never existed.

    Both writes (deleting an ended session, the last-seen stamp) happen on GET pages,
    which read without waiting for writers: they are best effort, skipped when another
    write holds the lock (the stamp is written again on a later visit, an ended session
    is refused all the same and swept later).
    """
    row = session.get(UserSession, token_digest(session_id))
    if row is None:
        return None
    user_id = row.user_id
    if policy.ended(row, now):
        with best_effort(session):
            session.delete(row)
            session.flush()
        return None
    if now - row.last_seen_at >= TOUCH_GRANULARITY:
        with best_effort(session):
            row.last_seen_at = now
            row.expires_at = policy.expiry(row, now)
            session.flush()
    return session.get(User, user_id)


def end_session(session: Session, session_id: str) -> None:
    """End one session (sign-out); nothing happens if it had already ended."""
    session.execute(delete(UserSession).where(UserSession.id_hash == token_digest(session_id)))


def end_sessions_of(session: Session, user_id: str) -> int:
    """End every session of a user (password changed or reset); returns how many there were."""
    result = session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)
