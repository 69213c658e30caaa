"""Find imported ESCO / O*NET skills by words of their label, for the skill picker.

Every word must occur in the label (case-insensitive), so "data analysis" finds
"analyse data" style labels only when both words are there; shorter labels (usually the
more general concept) come first. Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credstack.store.models import Framework, Skill

MAX_RESULTS = 50


def search_skills(
    session: Session, query: str, *, framework: str | None = None, limit: int = 25
) -> Sequence[Skill]:
    """Skills whose label contains every word of ``query`` (empty query: nothing)."""
    words = [word for word in query.casefold().split() if word][:8]
    if not words:
        return []
    statement = select(Skill)
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(func.lower(Skill.label).like(f"%{escaped}%", escape="\\"))
    if framework in {member.value for member in Framework}:
        statement = statement.where(Skill.framework == Framework(framework))
    statement = statement.order_by(func.length(Skill.label), Skill.label).limit(
        max(1, min(limit, MAX_RESULTS))
    )
    return session.scalars(statement).all()
