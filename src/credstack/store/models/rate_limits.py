"""Rate-limit hits: one row per counted request, shared by every app process.

A row lives only as long as the longest window of any limit; ``services.rate_limits``
deletes older rows as it counts. The key is stored as a keyed digest, never as the IP
address or e-mail address it was made from.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from credstack.store.base import Base


class RateLimitHit(Base):
    """One hit of limit ``scope`` (e.g. ``sign-in``) by the key whose digest is ``key_hash``."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_scope_key_hash_at", "scope", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)
