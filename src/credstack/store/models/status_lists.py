"""Bitstring status lists and the indexes allocated in them.

Each entry row claims one index; its primary key ``(list_id, index)`` is what keeps
random allocation safe when several processes issue at once on PostgreSQL: insert a
random index, and on a unique violation pick another. Indexes are never reused.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from credstack.store.base import Base, utc_now

#: the minimum list length the Bitstring Status List spec requires for herd privacy
MIN_STATUS_LIST_SIZE = 131_072


class StatusList(Base):
    """One list of an issuer; ``url_path`` is the stable ``statusListCredential`` path."""

    __tablename__ = "status_lists"
    __table_args__ = (CheckConstraint(f"size >= {MIN_STATUS_LIST_SIZE}", name="min_size"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(32), default="revocation")
    size: Mapped[int] = mapped_column(default=MIN_STATUS_LIST_SIZE)
    url_path: Mapped[str] = mapped_column(String(512), unique=True)
    #: bumped on every status change, so a cached signed list knows it is stale
    revision: Mapped[int] = mapped_column(default=0)
    #: the last signed BitstringStatusListCredential and the revision it reflects
    published_credential: Mapped[str | None] = mapped_column(Text)
    published_revision: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class StatusListEntry(Base):
    """An allocated index; ``award_id`` is set in the same transaction as the award."""

    __tablename__ = "status_list_entries"

    list_id: Mapped[str] = mapped_column(
        ForeignKey("status_lists.id", ondelete="RESTRICT"), primary_key=True
    )
    index: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    award_id: Mapped[str | None] = mapped_column(
        ForeignKey("awards.id", ondelete="RESTRICT"), unique=True
    )
