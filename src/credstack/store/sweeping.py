"""Deleting rows that have lapsed (sessions, links, rate-limit hits) a few at a time.

Each write that adds such a row also removes up to :data:`SWEEP_BATCH` lapsed ones, so
the tables stay small without a scheduled job. On PostgreSQL rows that another
transaction is deleting at the same moment are skipped (``FOR UPDATE SKIP LOCKED``)
rather than waited for, so two sweeps never queue behind each other; SQLite writers are
serialised anyway.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session

#: lapsed rows removed per sweep: more than one write adds, so the tables shrink
SWEEP_BATCH = 100


def delete_lapsed(
    session: Session,
    key: InstrumentedAttribute[Any],
    lapsed: ColumnElement[bool],
    batch: int = SWEEP_BATCH,
) -> None:
    """Delete up to ``batch`` rows of ``key``'s table for which ``lapsed`` holds.

    ``key`` is the table's primary-key column (the rows are picked by it).
    """
    entity = key.class_
    picked = select(key).where(lapsed).limit(batch).with_for_update(skip_locked=True)
    session.execute(
        delete(entity)
        .where(key.in_(picked.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
