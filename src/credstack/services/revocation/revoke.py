"""Revoking awards and correcting them (revoke, then re-issue naming the old credential).

A credential is never edited once signed: revoking flips its state (which sets its bit
in the next published status list) and bumps the list's revision so the very next
``GET /status/{id}`` re-signs the list. A correction is a revocation plus a new award
whose credential says which one it replaces.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.award_request import AwardInput, require_award
from credstack.core.errors import ConflictError, NotFoundError, ValidationError
from credstack.services import audit
from credstack.services.accounts.authz import Action
from credstack.services.accounts.users import Principal
from credstack.services.achievements.lifecycle import current_published
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import Signer
from credstack.services.issuing.awards import (
    SignMany,
    award_url,
    issue_batch,
    prepare_issuance,
    sign_sequentially,
)
from credstack.services.issuing.listing import award_for, get_award
from credstack.services.mail.outbox import queue_notice
from credstack.services.status.lists import bump_revision
from credstack.store.models import Achievement, AchievementState, Award, AwardState, Learner

#: the revocation reason of an award replaced by a correction
CORRECTED_REASON = "corrected"
#: longest revocation reason kept (it is shown to verifiers and in the audit log)
MAX_REASON_LENGTH = 500


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


def revoke(
    session: Session,
    ctx: ServiceContext,
    award_id: str,
    reason: str,
    *,
    principal: Principal | None = None,
) -> Award:
    """Revoke one award; ``ConflictError`` when it already is (with when and why).

    ``principal`` needs the ``revoke`` action in the award's organisation (``None``: a
    caller that checked already, see ``services.accounts.authz``).
    """
    cleaned = _checked_reason(reason)
    if principal is None:
        award = get_award(session, award_id, for_update=True)
    else:
        award = award_for(session, principal, award_id, Action.REVOKE, for_update=True)
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
    awards this call revoked. No permission check: its callers (a key compromise, the
    demo seed) act as the operator or check first.
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


def correct(
    session: Session,
    ctx: ServiceContext,
    award_id: str,
    *,
    name: str | None = None,
    email: str | None = None,
    principal: Principal,
) -> Award:
    """Replace an award whose recipient details were wrong; returns the NEW award.

    ``principal`` needs both ``revoke`` and ``award`` in the award's organisation.

    The old credential is revoked with the reason ``corrected`` (it stays verifiable as
    revoked); a new one is issued through the normal issuing service with the corrected
    name and/or e-mail and everything else as before (achievement lineage, dates,
    evidence, narrative, result, external id). The new credential names the old one in
    its ``description`` ("Replaces credential <old URL>"), a VC 2.0 / OB 3.0 property,
    so no extra vocabulary is needed; ``replaces_award_id`` links the rows. The old row
    gives up its idempotency key, so re-running the original CSV finds the corrected
    award instead of issuing the misspelt one again. The learner is told by e-mail (at
    the corrected address), through the outbox of ``services.mail.outbox``.
    """
    old = award_for(session, principal, award_id, Action.REVOKE, for_update=True)
    award_for(session, principal, award_id, Action.AWARD)
    if old.state is AwardState.REVOKED:
        raise ConflictError(
            f"award {award_id} is revoked ({old.revocation_reason}); only a valid award "
            "can be corrected"
        )
    new_name = " ".join(name.split()) if name is not None else old.recipient_name
    new_email = email.strip() if email is not None else old.recipient_email
    changed = {
        field
        for field, before, after in (
            ("name", old.recipient_name, new_name),
            ("email", old.recipient_email.lower(), new_email.lower()),
        )
        if before != after
    }
    if not changed:
        raise ValidationError("nothing to correct: give a different --name and/or --email")
    carried = _carried_over(json.loads(old.credential))
    subject_did = carried.pop("subject_did")
    award = AwardInput(
        email=new_email,
        name=new_name,
        external_id=old.external_id,
        issued=old.valid_from,
        expires=old.valid_until,
        **carried,
    )
    request = replace(require_award(award, now=ctx.now()), subject_did=subject_did)
    achievement_id = _awardable_version(session, old)
    _mark_revoked(session, ctx, old, CORRECTED_REASON)
    old.external_id = f"corrected:{old.id}"  # frees (lineage, e-mail, external id)
    if old.status_list_id is not None:
        bump_revision(session, ctx, [old.status_list_id])
    session.flush()

    issuance = prepare_issuance(session, ctx, achievement_id)
    old_url = award_url(ctx, old)
    outcome = issue_batch(session, ctx, issuance, [request], sign=_naming_the_old(old_url))
    new = session.get(Award, outcome.award_ids[0])
    assert new is not None
    if not outcome.created[0]:
        raise ConflictError(
            f"{new_email} already holds award {new.id} of this achievement with the same "
            "external id; revoke that one or correct it instead"
        )
    new.replaces_award_id = old.id
    if "name" in changed and old.learner_id is not None and new.learner_id == old.learner_id:
        learner = session.get(Learner, old.learner_id)
        if learner is not None:
            learner.name = new_name
    _notify_learner(session, ctx, old, new, changed)
    audit.record(
        session,
        ctx,
        "award.corrected",
        subject_type="award",
        subject_id=new.id,
        organization_id=new.organization_id,
        data={"replaces": old.id, "fields": sorted(changed)},
    )
    session.flush()
    return new


def _notify_learner(
    session: Session, ctx: ServiceContext, old: Award, new: Award, changed: set[str]
) -> None:
    """Queue the "your credential was corrected" e-mail to the (corrected) address."""
    achievement = session.get(Achievement, new.achievement_id)
    title = achievement.name if achievement is not None else "your credential"
    what = " and ".join("e-mail address" if f == "email" else f for f in sorted(changed))
    queue_notice(
        session,
        ctx,
        to_address=new.recipient_email,
        subject=f'Your credential "{title}" was corrected',
        paragraphs=[
            f"Hello {new.recipient_name},",
            f'the {what} on your credential "{title}" was wrong, so it has been issued '
            "again with the correction.",
            f"The previous credential ({award_url(ctx, old)}) is now revoked and no longer "
            "verifies; please share the new one instead:",
        ],
        link=award_url(ctx, new),
        award_id=new.id,
    )


def _awardable_version(session: Session, award: Award) -> str:
    """The old award's achievement version if still published, else the lineage's newest."""
    version = session.get(Achievement, award.achievement_id)
    if version is not None and version.state is AchievementState.PUBLISHED:
        return version.id
    newest = current_published(session, award.achievement_lineage_id)
    if newest is None:
        raise ConflictError(
            f"no published version of achievement {award.achievement_id} is left to re-issue "
            "the corrected award from; publish one first"
        )
    return newest.id


def _carried_over(credential: dict[str, Any]) -> dict[str, Any]:
    """Evidence, narrative, result and subject DID of the old credential, as request fields."""
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    evidence = credential.get("evidence") or []
    results = subject.get("result") or []
    subject_id = subject.get("id")
    return {
        "evidence": evidence[0].get("id") if evidence and isinstance(evidence[0], dict) else None,
        "narrative": subject.get("narrative"),
        "result": results[0].get("value") if results and isinstance(results[0], dict) else None,
        "subject_did": subject_id if isinstance(subject_id, str) else None,
    }


def _naming_the_old(old_url: str) -> SignMany:
    """A signing step that first writes "Replaces credential <old URL>" into each credential."""

    def sign(documents: Sequence[dict[str, Any]], signer: Signer, created: datetime) -> Any:
        described = [
            {**document, "description": f"Replaces credential {old_url}"} for document in documents
        ]
        return sign_sequentially(described, signer, created)

    return sign
