"""People who sign in, and their roles inside issuer organisations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credstack.store.base import Base, new_uuid, utc_now
from credstack.store.types import enum_type

if TYPE_CHECKING:
    from credstack.store.models.organizations import Organization


class Role(enum.StrEnum):
    """What a member may do in an organisation, from most to least powerful."""

    OWNER = "owner"
    ADMIN = "admin"
    AWARDER = "awarder"
    VIEWER = "viewer"


class User(Base):
    """An account; ``email`` is stored lower-cased and is unique."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: None for accounts that cannot sign in with a password (e.g. created by an invite)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    memberships: Mapped[list[Member]] = relationship(back_populates="user", lazy="raise")


class Member(Base):
    """A user's role in one organisation; a user holds at most one role per organisation."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role, "member_role"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise")
    organization: Mapped[Organization] = relationship(back_populates="members", lazy="raise")
