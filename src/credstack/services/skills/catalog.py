"""The skill rows an achievement certifies: ESCO concepts and O*NET elements, found or added.

Why rows and not just the alignments inside the achievement JSON: the directory, gap
analysis and career planning (later issues) ask "who holds a verified credential for
this skill?", which is a join, not a search through JSON. A definition may name a skill
before the ESCO or O*NET catalogue has been imported, so missing rows are created from
the definition's framework, code and label; an imported row keeps its official label.
Occupations (ESCO occupations, O*NET-SOC codes) are jobs, not skills: they stay in the
achievement's alignments only.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from credstack.core.achievement import SkillRef
from credstack.store.models import AchievementSkill, Framework, Skill


def skill_row(session: Session, ref: SkillRef) -> Skill:
    """The ``Skill`` row for an ESCO URI or O*NET element id, created when missing.

    The insert runs in a SAVEPOINT so that two issuers adding the same skill at once
    (the ``(framework, code)`` pair is unique) both end up with the one row.
    """
    framework = Framework(ref.framework)
    query = select(Skill).where(Skill.framework == framework, Skill.code == ref.id)
    existing = session.scalars(query).first()
    if existing is not None:
        return existing
    row = Skill(framework=framework, code=ref.id, label=ref.label, description=ref.description)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = session.scalars(query).first()
        if found is None:
            raise
        return found
    return row


def link_skills(session: Session, achievement_id: str, refs: Sequence[SkillRef]) -> list[Skill]:
    """Make the achievement's skill links exactly the definition's skills (occupations aside)."""
    session.execute(
        delete(AchievementSkill).where(AchievementSkill.achievement_id == achievement_id)
    )
    skills = [skill_row(session, ref) for ref in refs if not ref.is_occupation]
    session.flush()
    for skill in skills:
        session.add(AchievementSkill(achievement_id=achievement_id, skill_id=skill.id))
    session.flush()
    return skills


def achievement_skills(session: Session, achievement_id: str) -> list[Skill]:
    """The skills linked to one achievement version, by framework then code."""
    query = (
        select(Skill)
        .join(AchievementSkill, AchievementSkill.skill_id == Skill.id)
        .where(AchievementSkill.achievement_id == achievement_id)
        .order_by(Skill.framework, Skill.code)
    )
    return list(session.scalars(query).all())
