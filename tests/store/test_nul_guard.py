"""No statement sends a NUL character: the same refusal on SQLite and PostgreSQL.

PostgreSQL refuses NUL in text with a driver error (a 500 at the API, a crash in the
CLI) while SQLite stores it; the guard refuses it first with an ``InputError``.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from store_factories import organization

from credstack.core.errors import InputError
from credstack.store.models import Learner, Organization
from credstack.store.nul_guard import NUL_REFUSED, holds_nul


def test_a_lookup_with_a_nul_is_refused(db: Session) -> None:
    with pytest.raises(InputError, match="NUL"):
        db.scalars(select(Organization).where(Organization.slug == "a\x00b")).first()


def test_a_row_with_a_nul_is_never_stored(db: Session) -> None:
    before = db.scalar(select(func.count()).select_from(Learner))
    with db.begin_nested():
        db.add(Learner(name="Lena\x00"))
        with pytest.raises(InputError) as refused:
            db.flush()
    assert refused.value.message == NUL_REFUSED
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Learner)) == before


def test_text_without_a_nul_and_bytes_with_one_pass(db: Session) -> None:
    org = organization(db)
    org.image = b"\x89PNG\x00\x00"
    org.image_mime = "image/png"
    db.flush()
    assert db.scalars(select(Organization.image).where(Organization.id == org.id)).one() == (
        b"\x89PNG\x00\x00"
    )


@pytest.mark.parametrize(
    ("parameters", "found"),
    [
        ({"name": "a\x00"}, True),
        ([("x", "y\x00")], True),  # executemany: a list of rows by position
        ([{"a": 1}, {"b": ["\x00"]}], True),
        ({"name": "Lena", "image": b"\x00"}, False),
        ((1, 2.5, None, "ok"), False),
    ],
)
def test_holds_nul_looks_into_every_shape_of_parameters(parameters: object, found: bool) -> None:
    assert holds_nul(parameters) is found
