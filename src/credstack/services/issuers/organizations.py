"""Finding an issuer organisation by its slug, the name the CLI and the public URLs use.

An issuer *is* an organisation (one ``Organization`` row), so the lookup lives with the
issuers, in a module of its own below ``keys`` and ``profiles``: both need it, and
``profiles`` imports ``keys`` (a new issuer gets its first key), so it cannot live in
either without one importing the other back.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.errors import NotFoundError
from credstack.store.models import Organization


def organization_by_slug(session: Session, slug: str, *, lock: bool = False) -> Organization:
    """The issuer with this slug, or a ``NotFoundError`` that says how to find the right one.

    ``lock`` takes a row lock (PostgreSQL ``FOR UPDATE``; SQLite serialises writers
    anyway), so two key changes of one issuer at once cannot leave two active keys.
    """
    query = select(Organization).where(Organization.slug == slug)
    organization = session.scalars(query.with_for_update() if lock else query).first()
    if organization is None:
        raise NotFoundError(f"no issuer with slug {slug!r} (see 'credstack issuer list')")
    return organization
