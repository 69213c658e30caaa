"""Revoking everything a compromised did:key signed.

A did:key cannot drop its key from a DID document (the DID *is* the key), so design §2
turns its compromise into revocations. Awards do not record which key signed them, but
the credential is stored exactly as signed, and its proof names the verification method:
the awards to revoke are those whose stored text contains that id, quoted as a JSON string.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.services import audit
from credstack.services.context import ServiceContext
from credstack.store.models import Award, AwardState, StatusList

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
    """Revoke each award the key signed; returns their ids (empty when it signed none).

    Each revocation sets the award's state, reason and time, and bumps its status list's
    revision so the next request for the list re-signs it with the bit set.
    """
    award_ids = awards_signed_by(session, organization_id, verification_method)
    touched_lists: set[str] = set()
    for award_id in award_ids:
        award = session.get(Award, award_id)
        if award is None:  # deleted meanwhile: nothing to revoke
            continue
        award.state = AwardState.REVOKED
        award.revocation_reason = COMPROMISE_REASON
        award.revoked_at = ctx.now()
        if award.status_list_id is not None:
            touched_lists.add(award.status_list_id)
        audit.record(
            session,
            ctx,
            "award.revoked",
            subject_type="award",
            subject_id=award.id,
            organization_id=organization_id,
            data={"reason": COMPROMISE_REASON, "verification_method": verification_method},
        )
    for list_id in sorted(touched_lists):
        status_list = session.get(StatusList, list_id)
        if status_list is not None:
            status_list.revision += 1
            status_list.updated_at = ctx.now()
    session.flush()
    return award_ids
