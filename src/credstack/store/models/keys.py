"""Issuer signing keys: public parts in the clear, private part encrypted at rest."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credstack.store.base import Base, utc_now
from credstack.store.types import enum_type

if TYPE_CHECKING:
    from credstack.store.models.organizations import Organization


class KeyAlgorithm(enum.StrEnum):
    """Ed25519 for Data Integrity and EdDSA JWTs; RSA for OB 3.0's minimum VC-JWT (RS256)."""

    ED25519 = "Ed25519"
    RSA = "RSA"


class KeyState(enum.StrEnum):
    """Active keys sign; retired keys still verify old credentials; compromised keys don't."""

    ACTIVE = "active"
    RETIRED = "retired"
    COMPROMISED = "compromised"


class SigningKey(Base):
    """One key of an issuer.

    ``id`` is the verification-method fragment (globally unique, e.g. the Multikey value
    for did:key or a random ``key-…`` for did:web); ``controller_did`` is the DID the
    key belongs to, which differs between keys when a did:key issuer rotates.
    """

    __tablename__ = "signing_keys"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    controller_did: Mapped[str] = mapped_column(String(512))
    algorithm: Mapped[KeyAlgorithm] = mapped_column(enum_type(KeyAlgorithm, "key_algorithm"))
    public_multibase: Mapped[str | None] = mapped_column(String(1024))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: AES-GCM ciphertext (nonce included) of the private key under the master secret
    encrypted_secret: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[KeyState] = mapped_column(enum_type(KeyState, "key_state"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    state_changed_at: Mapped[datetime] = mapped_column(default=utc_now)

    organization: Mapped[Organization] = relationship(back_populates="signing_keys", lazy="raise")
