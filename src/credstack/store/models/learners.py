"""Learners: the recipients of awards, known by one or more e-mail addresses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credstack.store.base import Base, new_uuid, utc_now


class Learner(Base):
    """A recipient; ``user_id`` links the wallet once the learner signs up."""

    __tablename__ = "learners"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200))
    did: Mapped[str | None] = mapped_column(String(512))
    public_profile: Mapped[bool] = mapped_column(Boolean, default=False)
    #: explicit opt-in to appear in the employer skills directory (never implied)
    directory_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    emails: Mapped[list[LearnerEmail]] = relationship(back_populates="learner", lazy="raise")


class LearnerEmail(Base):
    """An address of a learner; lower-cased, and belongs to exactly one learner."""

    __tablename__ = "learner_emails"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), unique=True)
    verified_at: Mapped[datetime | None]

    learner: Mapped[Learner] = relationship(back_populates="emails", lazy="raise")
