"""Signed-in sessions: the server-side half of the session cookie.

The cookie carries a random session id; only its SHA-256 is stored here, so a copy of
the table signs nobody in. Deleting a row ends that session at once (sign-out, a
password change or reset); ``expires_at`` is the moment it ends unless used again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from credstack.store.base import Base


class UserSession(Base):
    """One browser's sign-in of ``user_id``; ``user_agent`` and ``ip_address`` as first seen."""

    __tablename__ = "user_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    #: the earlier of "idle for too long" and "signed in too long ago"; pushed on by use
    expires_at: Mapped[datetime] = mapped_column(index=True)
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ip_address: Mapped[str | None] = mapped_column(String(64))
