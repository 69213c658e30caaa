"""Named locks that last until the end of the current transaction, on either database.

Counting and then writing (a rate limit: "fewer than N hits? then add one") is only
correct if no other transaction counts the same key in between. PostgreSQL gets a
transaction-scoped advisory lock on a 64-bit number derived from the name; SQLite needs
none, because a transaction that writes holds the one database-wide write lock (callers
start such transactions with ``BEGIN IMMEDIATE``, see ``store.engine``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_names(session: Session, names: Iterable[str]) -> None:
    """Hold a lock on each name until this transaction ends (taken in sorted order).

    Sorting means two transactions that want overlapping names take them in the same
    order, so they wait for each other instead of deadlocking.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in sorted(set(names)):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(name)})


def _lock_key(name: str) -> int:
    """A signed 64-bit number for ``name`` (what ``pg_advisory_xact_lock`` takes)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)
