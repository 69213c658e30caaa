"""Revoking awards and correcting them (revoke, then re-issue naming the old credential).

A credential is never edited once signed: revoking flips its state (which sets its bit
in the next published status list) and bumps the list's revision so the very next
``GET /status/{id}`` re-signs the list. A correction is a revocation plus a new award
whose credential says which one it replaces.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.errors import ConflictError, NotFoundError, ValidationError
from credstack.services import audit
from credstack.services.context import ServiceContext
from credstack.services.status_lists import bump_revision
from credstack.store.models import Award, AwardState

#: longest revocation reason kept (it is shown to verifiers and in the audit log)
MAX_REASON_LENGTH = 500


def get_award(session: Session, award_id: str) -> Award:
    """The award, or a ``NotFoundError`` saying where ids come from."""
    award = session.get(Award, award_id)
    if award is None:
        raise NotFoundError(f"no award with id {award_id!r} (see 'credstack award list')")
    return award


def _checked_reason(reason: str) -> str:
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise ValidationError("a revocation needs a reason (--reason), e.g. 'issued in error'")
    if len(cleaned) > MAX_REASON_LENGTH:
        raise ValidationError(
            f"the revocation reason is {len(cleaned)} characters; keep it under {MAX_REASON_LENGTH}"
        )
    return cleaned


def _mark_revoked(session: Session, ctx: ServiceContext, award: Award, reason: str) -> None:
    award.state = AwardState.REVOKED
    award.revocation_reason = reason
    award.revoked_at = ctx.now()
    audit.record(
        session,
        ctx,
        "award.revoked",
        subject_type="award",
        subject_id=award.id,
        organization_id=award.organization_id,
        data={"reason": reason, "status_list_id": award.status_list_id},
    )


def revoke(session: Session, ctx: ServiceContext, award_id: str, reason: str) -> Award:
    """Revoke one award; ``ConflictError`` when it already is (with when and why)."""
    cleaned = _checked_reason(reason)
    award = get_award(session, award_id)
    if award.state is AwardState.REVOKED:
        when = award.revoked_at.isoformat() if award.revoked_at else "earlier"
        raise ConflictError(
            f"award {award_id} was already revoked ({when}: {award.revocation_reason})"
        )
    _mark_revoked(session, ctx, award, cleaned)
    if award.status_list_id is not None:
        bump_revision(session, ctx, [award.status_list_id])
    session.flush()
    return award


def revoke_many(
    session: Session, ctx: ServiceContext, award_ids: Sequence[str], reason: str
) -> list[Award]:
    """Revoke every award of ``award_ids`` not yet revoked (a key compromise, a bad batch).

    Unknown ids are refused before anything changes; awards already revoked are left as
    they are (their first reason stands). Each touched list is bumped once. Returns the
    awards this call revoked.
    """
    cleaned = _checked_reason(reason)
    wanted = list(dict.fromkeys(award_ids))
    found = {
        award.id: award
        for start in range(0, len(wanted), 500)
        for award in session.scalars(select(Award).where(Award.id.in_(wanted[start : start + 500])))
    }
    missing = [award_id for award_id in wanted if award_id not in found]
    if missing:
        raise NotFoundError(
            f"no award with id {missing[0]!r}"
            + (f" (and {len(missing) - 1} more unknown ids)" if len(missing) > 1 else "")
        )
    revoked = [found[a] for a in wanted if found[a].state is not AwardState.REVOKED]
    for award in revoked:
        _mark_revoked(session, ctx, award, cleaned)
    bump_revision(session, ctx, [a.status_list_id for a in revoked if a.status_list_id])
    session.flush()
    return revoked
