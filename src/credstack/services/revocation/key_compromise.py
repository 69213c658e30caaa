"""Revoking everything a compromised did:key signed.

A did:key cannot drop its key from a DID document (the DID *is* the key), so architecture §2
turns its compromise into revocations. Awards do not record which key signed them, but
the credential is stored exactly as signed, and its proof names the verification method:
the awards to revoke are those whose stored text contains that id, quoted as a JSON string.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.services.context import ServiceContext
from credstack.store.models import Award, AwardState

#: the reason recorded on (and shown for) every award revoked by a key compromise
COMPROMISE_REASON = "the issuer's signing key was compromised"


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
    # imported here: revocation -> status_lists -> keys -> this module
    from credstack.services.revocation.revoke import revoke_many

    award_ids = awards_signed_by(session, organization_id, verification_method)
    if not award_ids:
        return []
    return [award.id for award in revoke_many(session, ctx, award_ids, COMPROMISE_REASON)]
