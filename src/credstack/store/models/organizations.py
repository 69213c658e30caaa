"""Issuer organisations: the profile printed as ``issuer`` in every credential they sign."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credstack.store.base import Base, new_uuid, utc_now
from credstack.store.types import enum_type

if TYPE_CHECKING:
    from credstack.store.models.keys import SigningKey
    from credstack.store.models.users import Member


class OrganizationType(enum.StrEnum):
    """What kind of body awards the credential (EU Annex I: awarding body)."""

    UNIVERSITY = "university"
    ASSOCIATION = "association"
    COMPANY = "company"
    TRAINING_PROVIDER = "training_provider"
    OTHER = "other"


class Organization(Base):
    """An issuer profile with its DID; ``slug`` appears in public URLs and did:web ids.

    The trust columns say who vouched for the issuer (``services.issuers.trust``): signing
    up makes an organisation, not a verified one.
    """

    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[OrganizationType] = mapped_column(enum_type(OrganizationType, "organization_type"))
    url: Mapped[str] = mapped_column(String(2048))
    email: Mapped[str | None] = mapped_column(String(320))
    #: ISO 3166-1 alpha-2 country code (EU Annex I: country of the awarding body)
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
    image_mime: Mapped[str | None] = mapped_column(String(64))
    linkedin_organization_id: Mapped[str | None] = mapped_column(String(64))
    #: the issuer's current DID (did:web is stable; a rotated did:key gives a new one)
    did: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    #: when the operator vouched for this issuer (``issuer create`` or ``issuer verify``)
    operator_verified_at: Mapped[datetime | None]
    #: the website origin the issuer proved it controls (DIF domain linkage), and until when
    domain_origin: Mapped[str | None] = mapped_column(String(2048))
    domain_linked_at: Mapped[datetime | None]
    domain_linked_until: Mapped[datetime | None]
    #: why the issuer is held for the operator's review (a lookalike of a verified issuer,
    #: or unverified by the operator); while set, only ``issuer verify`` can verify it
    flagged_reason: Mapped[str | None] = mapped_column(Text)

    members: Mapped[list[Member]] = relationship(back_populates="organization", lazy="raise")
    signing_keys: Mapped[list[SigningKey]] = relationship(
        back_populates="organization", lazy="raise"
    )
