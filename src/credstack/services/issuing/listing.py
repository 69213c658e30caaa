"""Finding awards for people who manage them: by id, by achievement, streamed or a page.

``award list`` may run over hundreds of thousands of awards, so rows are streamed in
pages (``yield_per``) and only the columns a listing shows are loaded, never the
signed credential texts. The web's award table reads the same listing, newest first,
one page at a time (:func:`award_page`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
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
    issued_at: datetime
    claimed_at: datetime | None
    public: bool
    revocation_reason: str | None


def credential_url(ctx: ServiceContext, award_id: str) -> str:
    """The public URL of an award (architecture §5), which is also its credential ``id``."""
    return ctx.url(f"/credentials/{award_id}")


def list_awards(
    session: Session,
    ctx: ServiceContext,
    *,
    achievement_id: str | None = None,
    newest_first: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[AwardSummary]:
    """Awards oldest first; ``achievement_id`` matches that version or its whole lineage.

    ``newest_first`` reverses the order; ``offset`` and ``limit`` cut one page out of it.
    """
    order = (Award.issued_at.desc(), Award.id) if newest_first else (Award.issued_at, Award.id)
    query = select(
        Award.id,
        Award.recipient_email,
        Award.recipient_name,
        Award.state,
        Award.achievement_id,
        Award.issued_at,
        Award.claimed_at,
        Award.public,
        Award.revocation_reason,
    ).order_by(*order)
    if achievement_id is not None:
        query = query.where(Award.achievement_lineage_id == _lineage(session, achievement_id))
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query.execution_options(yield_per=_PAGE))
    for award_id, email, name, state, achievement, issued, claimed, public, reason in rows:
        yield AwardSummary(
            id=award_id,
            recipient=email,
            name=name,
            state=state,
            url=credential_url(ctx, award_id),
            achievement_id=achievement,
            issued_at=issued,
            claimed_at=claimed,
            public=public,
            revocation_reason=reason,
        )


def _lineage(session: Session, achievement_id: str) -> str:
    chosen = session.get(Achievement, achievement_id)
    if chosen is None:
        raise NotFoundError(
            f"no achievement with id {achievement_id!r} (see 'credstack achievement list')"
        )
    return chosen.lineage_id


def count_awards(session: Session, *, achievement_id: str) -> int:
    """How many awards the achievement's lineage (every version) has."""
    lineage = _lineage(session, achievement_id)
    query = select(func.count()).select_from(Award).where(Award.achievement_lineage_id == lineage)
    return session.scalar(query) or 0


@dataclass(frozen=True)
class AwardPage:
    """One page of an achievement's awards, newest first (``page`` counts from 1)."""

    awards: Sequence[AwardSummary]
    total: int
    page: int
    pages: int


def award_page(
    session: Session, ctx: ServiceContext, *, achievement_id: str, page: int, page_size: int
) -> AwardPage:
    """Page ``page`` of the lineage's awards; a page beyond either end shows the nearest one."""
    total = count_awards(session, achievement_id=achievement_id)
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    rows = list_awards(
        session, ctx, achievement_id=achievement_id, newest_first=True,
        offset=(page - 1) * page_size, limit=page_size,
    )  # fmt: skip
    return AwardPage(list(rows), total, page, pages)


def award_of(session: Session, organization_id: str, award_id: str) -> Award:
    """The award if the organisation issued it, else ``NotFoundError`` (like a missing one).

    Call it once the caller's membership is checked (``accounts.authz``).
    """
    award = session.get(Award, award_id)
    if award is None or award.organization_id != organization_id:
        raise NotFoundError(f"this organisation has no award {award_id!r}")
    return award
