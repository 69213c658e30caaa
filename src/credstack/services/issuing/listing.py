"""Finding awards for the people who manage them: one by id, or a filtered list of them.

One listing serves every door: ``credstack award list`` streams it, ``/api/v1`` pages it
with a cursor, the award page of the web app pages it newest first and counts it. Only
the columns a listing shows are read (:class:`AwardSummary`), never the signed credential
texts, and streaming reads rows in pages (``yield_per``), so ``award list`` stays fast
over hundreds of thousands of awards.

Each function takes the acting ``principal`` and checks it (``services.accounts.authz``):
an award or achievement of another organisation answers like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from credstack.core.errors import NotFoundError, PermissionDeniedError
from credstack.services.accounts import authz
from credstack.services.accounts.authz import Action
from credstack.services.accounts.users import Principal
from credstack.services.achievements.lifecycle import achievement_for
from credstack.services.context import ServiceContext
from credstack.services.paging import Page, Window
from credstack.store.models import Award, AwardState

_STREAM_PAGE = 1_000


@dataclass(frozen=True)
class AwardSummary:
    """One listed award: what a list shows and what revoking or exporting it needs.

    The attribute names are the ``Award`` columns', so a template or a JSON renderer reads
    a summary exactly like an award row; the signed credential text is not loaded.
    """

    id: str
    achievement_id: str
    organization_id: str
    recipient_email: str
    recipient_name: str
    external_id: str
    state: AwardState
    issued_at: datetime
    valid_until: datetime | None
    claimed_at: datetime | None
    public: bool
    revoked_at: datetime | None
    revocation_reason: str | None


_COLUMNS = (
    Award.id,
    Award.achievement_id,
    Award.organization_id,
    Award.recipient_email,
    Award.recipient_name,
    Award.external_id,
    Award.state,
    Award.issued_at,
    Award.valid_until,
    Award.claimed_at,
    Award.public,
    Award.revoked_at,
    Award.revocation_reason,
)


@dataclass(frozen=True)
class AwardFilters:
    """Which awards to list; every filter given must hold.

    ``achievement_id`` matches that version *and every other version of its lineage*
    (an issuer thinks of "Data Literacy" as one thing). Without ``organization_id`` or
    ``achievement_id`` the list spans every issuer, which only the operator may ask for.
    """

    organization_id: str | None = None
    achievement_id: str | None = None
    state: AwardState | None = None
    #: the recipient's e-mail address (compared lower-cased, without blanks)
    email: str | None = None
    #: newest first (the web page); else oldest first, so new awards only append
    newest_first: bool = False


class AwardListing:
    """The awards matching some filters, checked for one principal: stream, page or count."""

    def __init__(
        self, session: Session, query: Select[*tuple[Any, ...]], order: tuple[Any, ...]
    ) -> None:
        self._session = session
        self._query = query
        self._order = order

    def stream(self) -> Iterator[AwardSummary]:
        """Every matching award, read from the database a thousand rows at a time."""
        query = self._query.order_by(*self._order).execution_options(yield_per=_STREAM_PAGE)
        for row in self._session.execute(query):
            yield AwardSummary(*row)

    def page(self, window: Window) -> Page[AwardSummary]:
        """One window of the list (see ``services.paging``)."""
        query = window.applied(self._query.order_by(*self._order))
        return window.page([AwardSummary(*row) for row in self._session.execute(query)])

    def count(self) -> int:
        """How many awards match."""
        total = select(func.count()).select_from(self._query.subquery())
        return self._session.scalar(total) or 0


def list_awards(session: Session, filters: AwardFilters, *, principal: Principal) -> AwardListing:
    """The awards matching ``filters`` that ``principal`` may see (``view``).

    An achievement that does not exist, or belongs to another organisation than the one
    named (or than the principal's), is a ``NotFoundError``.
    """
    query = select(*_COLUMNS)
    organization_id = filters.organization_id
    if filters.achievement_id is not None:
        chosen = achievement_for(session, principal, filters.achievement_id, Action.VIEW)
        if organization_id is not None and chosen.organization_id != organization_id:
            raise NotFoundError(f"no achievement with id {filters.achievement_id!r}")
        organization_id = chosen.organization_id
        query = query.where(Award.achievement_lineage_id == chosen.lineage_id)
    if organization_id is not None:
        authz.require(session, principal, organization_id, Action.VIEW)
        query = query.where(Award.organization_id == organization_id)
    elif not principal.is_operator:
        raise PermissionDeniedError("name the organisation whose awards to list")
    if filters.state is not None:
        query = query.where(Award.state == filters.state)
    if filters.email is not None:
        query = query.where(Award.recipient_email == filters.email.strip().lower())
    issued = Award.issued_at.desc() if filters.newest_first else Award.issued_at
    return AwardListing(session, query, (issued, Award.id))


def get_award(session: Session, award_id: str, *, for_update: bool = False) -> Award:
    """The award, or a ``NotFoundError`` saying where ids come from; no permission check.

    ``for_update`` locks the row (PostgreSQL) so two revocations of one award cannot
    both succeed; SQLite serialises writers anyway.
    """
    award = session.get(Award, award_id, with_for_update=for_update or None)
    if award is None:
        raise NotFoundError(f"no award with id {award_id!r} (see 'credstack award list')")
    return award


def award_for(
    session: Session,
    principal: Principal,
    award_id: str,
    action: Action,
    *,
    for_update: bool = False,
) -> Award:
    """The award, once ``principal`` may ``action`` in its organisation.

    Another organisation's award answers exactly like an unknown id (``NotFoundError``).
    """
    if principal.is_operator:
        return get_award(session, award_id, for_update=for_update)
    missing = NotFoundError(f"no award with id {award_id!r}")
    award = session.get(Award, award_id, with_for_update=for_update or None)
    if award is None:
        raise missing
    authz.require_on(session, principal, award.organization_id, action, missing)
    return award


@dataclass(frozen=True)
class Recipient:
    """Someone an organisation has awarded: one row per e-mail address."""

    email: str
    name: str
    awards: int
    first_award: datetime


def list_recipients(
    session: Session, organization_id: str, window: Window, *, principal: Principal
) -> Page[Recipient]:
    """The people ``organization_id`` has awarded, by e-mail address (``view``)."""
    authz.require(session, principal, organization_id, Action.VIEW)
    query = (
        select(
            Award.recipient_email,
            func.max(Award.recipient_name),
            func.count(Award.id),
            func.min(Award.issued_at),
        )
        .where(Award.organization_id == organization_id)
        .group_by(Award.recipient_email)
        .order_by(Award.recipient_email)
    )
    return window.page([Recipient(*row) for row in session.execute(window.applied(query))])


def credential_url(ctx: ServiceContext, award_id: str) -> str:
    """The public URL of an award (architecture §5), which is also its credential ``id``."""
    return ctx.url(f"/credentials/{award_id}")


@dataclass(frozen=True)
class AwardPage:
    """One page of an achievement's awards, newest first (``page`` counts from 1)."""

    awards: Sequence[AwardSummary]
    total: int
    page: int
    pages: int


def award_page(
    session: Session, *, principal: Principal, achievement_id: str, page: int, page_size: int
) -> AwardPage:
    """Page ``page`` of the lineage's awards, newest first (the web's award table); a page
    beyond either end shows the nearest one."""
    filters = AwardFilters(achievement_id=achievement_id, newest_first=True)
    listed = list_awards(session, filters, principal=principal)
    total = listed.count()
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    rows = listed.page(Window(offset=(page - 1) * page_size, limit=page_size)).items
    return AwardPage(rows, total, page, pages)


def award_of(session: Session, organization_id: str, award_id: str) -> Award:
    """The award if the organisation issued it, else ``NotFoundError`` (like a missing one).

    For a page under ``/dashboard/{organization_id}`` once the member's role there is
    checked (``web.access``): an award of another organisation is not on that page.
    """
    award = session.get(Award, award_id)
    if award is None or award.organization_id != organization_id:
        raise NotFoundError(f"this organisation has no award {award_id!r}")
    return award
