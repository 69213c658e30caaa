"""Finding awards for people who manage them: by id, by achievement, streamed.

``award list`` may run over hundreds of thousands of awards, so rows are streamed in
pages (``yield_per``) and only the columns a listing shows are loaded, never the
signed credential texts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.errors import NotFoundError
from credstack.services.context import ServiceContext
from credstack.store.models import Achievement, Award, AwardState

_PAGE = 1_000


@dataclass(frozen=True)
class AwardSummary:
    """One line of ``award list``: enough to revoke or export it, nothing secret."""

    id: str
    recipient: str
    name: str
    state: AwardState
    url: str
    achievement_id: str


def get_award(session: Session, award_id: str, *, for_update: bool = False) -> Award:
    """The award, or a ``NotFoundError`` saying where ids come from.

    ``for_update`` locks the row (PostgreSQL) so two revocations of one award cannot
    both succeed; SQLite serialises writers anyway.
    """
    award = session.get(Award, award_id, with_for_update=for_update or None)
    if award is None:
        raise NotFoundError(f"no award with id {award_id!r} (see 'credstack award list')")
    return award


def credential_url(ctx: ServiceContext, award_id: str) -> str:
    """The public URL of an award (design §5), which is also its credential ``id``."""
    return ctx.url(f"/credentials/{award_id}")


def list_awards(
    session: Session, ctx: ServiceContext, *, achievement_id: str | None = None
) -> Iterator[AwardSummary]:
    """Awards oldest first; ``achievement_id`` matches that version or its whole lineage."""
    query = select(
        Award.id,
        Award.recipient_email,
        Award.recipient_name,
        Award.state,
        Award.achievement_id,
    ).order_by(Award.issued_at, Award.id)
    if achievement_id is not None:
        chosen = session.get(Achievement, achievement_id)
        if chosen is None:
            raise NotFoundError(
                f"no achievement with id {achievement_id!r} (see 'credstack achievement list')"
            )
        query = query.where(Award.achievement_lineage_id == chosen.lineage_id)
    rows = session.execute(query.execution_options(yield_per=_PAGE))
    for award_id, email, name, state, achievement in rows:
        yield AwardSummary(
            id=award_id,
            recipient=email,
            name=name,
            state=state,
            url=credential_url(ctx, award_id),
            achievement_id=achievement,
        )
