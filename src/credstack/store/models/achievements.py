"""Achievements: the micro-credential definitions an issuer awards, versioned.

Editing a published achievement creates a new version with the same ``lineage_id``;
credentials already issued keep pointing at the version they were signed with.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credstack.store.base import Base, utc_now
from credstack.store.types import enum_type

if TYPE_CHECKING:
    from credstack.store.models.organizations import Organization


class AchievementState(enum.StrEnum):
    """Only published achievements can be awarded; archived ones stay verifiable."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Achievement(Base):
    """One version of an achievement; ``id`` appears in ``/achievements/{id}``."""

    __tablename__ = "achievements"
    __table_args__ = (UniqueConstraint("lineage_id", "version"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    lineage_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(300))
    state: Mapped[AchievementState] = mapped_column(
        enum_type(AchievementState, "achievement_state"), default=AchievementState.DRAFT
    )
    #: the issuer's definition as entered (YAML/JSON model of core.achievement)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the OB 3.0 Achievement object as published (None while a draft)
    achievement_json: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    eu_micro_credential: Mapped[bool] = mapped_column(Boolean, default=False)
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
    image_mime: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    published_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship(lazy="raise")
