"""Issuer registries imported by the operator: lists of issuer DIDs that others vouch for.

A registry (e.g. the Digital Credentials Consortium's community registry) names the
issuers it knows by DID, with the name and website it records for each. Importing one
makes those issuers count as verified in this deployment's trust check, under the
registry's name, so a verifier can tell *who* vouched. ``source`` and ``imported_at``
say where and when it was read; importing the same name again replaces its entries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from credstack.store.base import Base, new_uuid, utc_now


class IssuerRegistry(Base):
    """One imported registry: its name, format, where it came from and when."""

    __tablename__ = "issuer_registries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: the registry's format, e.g. ``dcc-legacy`` (see ``services.registries.formats``)
    format: Mapped[str] = mapped_column(String(32))
    #: the file path or URL it was read from
    source: Mapped[str] = mapped_column(String(2048))
    imported_at: Mapped[datetime] = mapped_column(default=utc_now)
    #: the registry's own "last updated" date, when it states one
    published_at: Mapped[datetime | None]
    entry_count: Mapped[int] = mapped_column(Integer, default=0)


class RegistryIssuer(Base):
    """One issuer a registry lists: its DID and what the registry records about it."""

    __tablename__ = "registry_issuers"
    __table_args__ = (UniqueConstraint("registry_id", "issuer_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    registry_id: Mapped[str] = mapped_column(
        ForeignKey("issuer_registries.id", ondelete="CASCADE"), index=True
    )
    #: the issuer's DID (or URL id), as credentials name it in ``issuer.id``
    issuer_id: Mapped[str] = mapped_column(String(512), index=True)
    name: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(2048))
    location: Mapped[str | None] = mapped_column(String(500))
