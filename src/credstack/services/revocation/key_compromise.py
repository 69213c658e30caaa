"""Marking a signing key compromised, and revoking everything a compromised did:key signed.

The use case "compromise a key" lives here, above ``services.issuers.keys``, because a
did:key compromise revokes awards: keys rotate and publish, revocation revokes, and
keys never import revocation.

A did:key cannot drop its key from a DID document (the DID *is* the key), so architecture §2
turns its compromise into revocations. Awards do not record which key signed them, but
the credential is stored exactly as signed, and its proof names the verification method:
the awards to revoke are those whose stored text contains that id, quoted as a JSON string.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.errors import ConflictError, NotFoundError
from credstack.services.accounts import authz
from credstack.services.accounts.authz import Action
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import (
    keys_of,
    record_key_event,
    rotate_key,
    verification_method_id,
)
from credstack.services.issuers.organizations import organization_by_slug
from credstack.services.revocation.revoke import revoke_many
from credstack.store.models import Award, AwardState, KeyAlgorithm, KeyState, SigningKey

#: the reason recorded on (and shown for) every award revoked by a key compromise
COMPROMISE_REASON = "the issuer's signing key was compromised"


@dataclass(frozen=True)
class CompromiseResult:
    """What ``compromise_key`` changed: the key, its replacement, and revoked awards."""

    key: SigningKey
    replacement: SigningKey | None
    revoked_award_ids: tuple[str, ...]


def compromise_key(
    session: Session, ctx: ServiceContext, slug: str, key_id: str, *, principal: Principal
) -> CompromiseResult:
    """Mark a key compromised so nothing it signed verifies any more (``manage_keys``).

    An active key is replaced first (the issuer can keep issuing). did:web: the key
    leaves the DID document. did:key: every award whose proof names the key is revoked.
    """
    organization = organization_by_slug(session, slug, lock=True)
    authz.require(session, principal, organization.id, Action.MANAGE_KEYS)
    key = session.get(SigningKey, key_id)
    if key is None or key.organization_id != organization.id:
        known = ", ".join(k.id for k in keys_of(session, organization.id)) or "none"
        raise NotFoundError(f"issuer {slug} has no key {key_id!r} (its keys: {known})")
    if key.state is KeyState.COMPROMISED:
        raise ConflictError(f"key {key_id} of issuer {slug} is already marked compromised")
    replacement = None
    if key.state is KeyState.ACTIVE and key.algorithm is KeyAlgorithm.ED25519:
        replacement = rotate_key(session, ctx, slug)
    key.state = KeyState.COMPROMISED
    key.state_changed_at = ctx.now()
    session.flush()
    revoked: Sequence[str] = ()
    if key.controller_did.startswith("did:key:"):
        revoked = revoke_awards_signed_by(
            session, ctx, organization.id, verification_method_id(key)
        )
    record_key_event(
        session,
        ctx,
        "key.compromised",
        key,
        replacement=replacement.id if replacement else None,
        revoked_awards=len(revoked),
    )
    return CompromiseResult(key=key, replacement=replacement, revoked_award_ids=tuple(revoked))


def awards_signed_by(session: Session, organization_id: str, verification_method: str) -> list[str]:
    """Ids of the issuer's unrevoked awards whose proof names ``verification_method``."""
    needle = f'"{verification_method}"'
    query = (
        select(Award.id)
        .where(
            Award.organization_id == organization_id,
            Award.state != AwardState.REVOKED,
            Award.credential.contains(needle, autoescape=True),
        )
        .order_by(Award.id)
    )
    return list(session.scalars(query).all())


def revoke_awards_signed_by(
    session: Session, ctx: ServiceContext, organization_id: str, verification_method: str
) -> list[str]:
    """Revoke each award the key signed; returns the ids this call revoked.

    Goes through ``services.revocation.revoke.revoke_many``: each award gets its state, reason,
    time and audit event, and each touched status list is bumped once so its next
    request is re-signed with the bits set.
    """
    award_ids = awards_signed_by(session, organization_id, verification_method)
    if not award_ids:
        return []
    return [award.id for award in revoke_many(session, ctx, award_ids, COMPROMISE_REASON)]
