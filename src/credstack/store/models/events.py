"""The audit log: what happened, who did it, to what. Append-only.

Rows are only ever inserted. The initial migration installs triggers on SQLite and
PostgreSQL that refuse UPDATE and DELETE, so not even a bug or a hand-written SQL
statement can rewrite history. ``organization_id`` is a plain column (no foreign key)
so the log outlives what it describes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from credstack.store.base import Base, utc_now

#: SQLite only auto-increments an ``INTEGER PRIMARY KEY``; PostgreSQL gets a BIGINT
EVENT_ID_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class Event(Base):
    """One audit entry, e.g. ``kind="award.revoked"``, ``subject_type="award"``."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(EVENT_ID_TYPE, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    #: user id, API token id or "system"/"cli"
    actor: Mapped[str] = mapped_column(String(320))
    organization_id: Mapped[str | None] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
