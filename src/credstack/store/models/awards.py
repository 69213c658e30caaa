"""Awards: issued credentials, stored exactly as signed.

``credential`` is TEXT, never JSON: the bytes that were signed are the bytes served, so
no database or serializer can reorder keys or change number formats under a proof.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credstack.store.base import Base, utc_now
from credstack.store.types import enum_type

if TYPE_CHECKING:
    from credstack.store.models.achievements import Achievement
    from credstack.store.models.learners import Learner


class AwardState(enum.StrEnum):
    """Lifecycle of an issued credential; only ``revoked`` flips its status-list bit."""

    ISSUED = "issued"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"


class Award(Base):
    """One issued credential.

    Idempotency: the same achievement lineage, recipient e-mail and ``external_id`` can be
    awarded once, so a retried API call or a re-run CSV does not issue twice. SQL treats
    NULLs as distinct in unique constraints, so "no external id" is stored as ``''``.
    """

    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint("achievement_lineage_id", "recipient_email", "external_id"),
        UniqueConstraint("status_list_id", "status_index"),
    )

    #: URL-safe and unguessable: it is the path of the public credential page
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    achievement_id: Mapped[str] = mapped_column(
        ForeignKey("achievements.id", ondelete="RESTRICT"), index=True
    )
    achievement_lineage_id: Mapped[str] = mapped_column(String(64))
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    learner_id: Mapped[str | None] = mapped_column(
        ForeignKey("learners.id", ondelete="SET NULL"), index=True
    )
    recipient_email: Mapped[str] = mapped_column(String(320), index=True)
    recipient_name: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str] = mapped_column(String(200), default="")
    credential: Mapped[str] = mapped_column(Text)
    jwt: Mapped[str | None] = mapped_column(Text)
    status_list_id: Mapped[str | None] = mapped_column(
        ForeignKey("status_lists.id", ondelete="RESTRICT")
    )
    status_index: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[AwardState] = mapped_column(
        enum_type(AwardState, "award_state"), default=AwardState.ISSUED
    )
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None]
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    issued_at: Mapped[datetime] = mapped_column(default=utc_now)
    #: SHA-256 of the single-use claim token e-mailed to the recipient (never the token)
    claim_token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    claim_expires_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    replaces_award_id: Mapped[str | None] = mapped_column(
        ForeignKey("awards.id", ondelete="SET NULL")
    )

    achievement: Mapped[Achievement] = relationship(lazy="raise")
    learner: Mapped[Learner | None] = relationship(lazy="raise")
