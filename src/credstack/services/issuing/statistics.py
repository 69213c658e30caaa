"""Per micro-credential counts for the issuer dashboard: issued, claimed, shared, verified.

Counted per achievement *lineage* (all versions of one micro-credential), because an
issuer thinks of "Data Literacy" as one thing across its versions:

- issued: every award ever signed (revoked ones included: they were issued);
- claimed: awards whose learner opened the claim link and accepted (``claimed_at``);
- shared: awards whose public page is on and that are neither revoked nor declined;
- verified: ``credential.verified`` audit events with a passing result, recorded for the
  lineage's awards by the verify page and API (``services.verification.local.record_verification``)
  when they check one of our own credentials; failed checks are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from credstack.store.models import Achievement, Award, AwardState, Event

#: the audit event kind the verifier records for a credential this deployment issued
VERIFIED_EVENT = "credential.verified"


@dataclass(frozen=True)
class MicroCredentialStats:
    """One row of the dashboard: the newest version of a lineage and its counts."""

    achievement: Achievement
    issued: int
    claimed: int
    shared: int
    verified: int


def micro_credential_stats(session: Session, organization_id: str) -> list[MicroCredentialStats]:
    """Every micro-credential of the organisation (newest version each), with its counts."""
    achievements = session.scalars(
        select(Achievement)
        .where(Achievement.organization_id == organization_id)
        .order_by(Achievement.lineage_id, Achievement.version.desc())
    ).all()
    newest: dict[str, Achievement] = {}
    for achievement in achievements:
        newest.setdefault(achievement.lineage_id, achievement)
    counts = _award_counts(session, organization_id)
    verified = _verified_counts(session, organization_id)
    rows = [
        MicroCredentialStats(
            achievement=achievement,
            issued=counts.get(lineage, (0, 0, 0))[0],
            claimed=counts.get(lineage, (0, 0, 0))[1],
            shared=counts.get(lineage, (0, 0, 0))[2],
            verified=verified.get(lineage, 0),
        )
        for lineage, achievement in newest.items()
    ]
    return sorted(rows, key=lambda row: row.achievement.name.casefold())


def _award_counts(session: Session, organization_id: str) -> dict[str, tuple[int, int, int]]:
    shared = and_(
        Award.public.is_(True), Award.state.not_in((AwardState.REVOKED, AwardState.DECLINED))
    )
    rows = session.execute(
        select(
            Award.achievement_lineage_id,
            func.count(),
            func.sum(case((Award.claimed_at.is_not(None), 1), else_=0)),
            func.sum(case((shared, 1), else_=0)),
        )
        .where(Award.organization_id == organization_id)
        .group_by(Award.achievement_lineage_id)
    ).all()
    return {
        lineage: (int(issued), int(claimed or 0), int(shared_count or 0))
        for lineage, issued, claimed, shared_count in rows
    }


def _verified_counts(session: Session, organization_id: str) -> dict[str, int]:
    rows = session.execute(
        select(Award.achievement_lineage_id, func.count())
        .select_from(Event)
        .join(Award, Award.id == Event.subject_id)
        .where(
            Event.kind == VERIFIED_EVENT,
            Event.data["verified"].as_boolean().is_(True),
            Event.organization_id == organization_id,
            Award.organization_id == organization_id,
        )
        .group_by(Award.achievement_lineage_id)
    ).all()
    return {lineage: int(count) for lineage, count in rows}
