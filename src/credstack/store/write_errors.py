"""Which database errors mean "the database cannot take writes now" (read-only, disk full).

Why a classifier: a database mounted read-only, a full disk or a PostgreSQL standby fail
every write with a driver error that would otherwise surface as a bare 500. Those are
operational states, not bugs: ``/healthz`` reports them and requests answer 503 with a
sentence an operator can act on. Only the store knows the drivers' error codes, so the
edges ask here instead of matching message texts themselves.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

#: SQLite result codes (``sqlite3.Error.sqlite_errorname``) that refuse a write
_SQLITE_CANNOT_WRITE = {
    "SQLITE_READONLY": "the database file is read-only",
    "SQLITE_FULL": "the disk holding the database is full",
    "SQLITE_IOERR": "the disk holding the database failed to read or write",
    "SQLITE_CANTOPEN": "the database's journal cannot be created (is its folder writable?)",
}
#: PostgreSQL SQLSTATEs (psycopg's ``sqlstate``) that refuse a write
_POSTGRES_CANNOT_WRITE = {
    "25006": "the server accepts only read-only transactions (a standby, or read-only mode)",
    "53100": "the server's disk is full",
    "58030": "the server failed a disk write",
}


def cannot_write_reason(error: BaseException) -> str | None:
    """Why the database refuses writes, or None when ``error`` is something else."""
    original = error.orig if isinstance(error, DBAPIError) else error
    name = getattr(original, "sqlite_errorname", None)
    if isinstance(name, str):
        for prefix, reason in _SQLITE_CANNOT_WRITE.items():
            if name == prefix or name.startswith(prefix + "_"):
                return reason
        return None
    state = getattr(original, "sqlstate", None)
    return _POSTGRES_CANNOT_WRITE.get(state) if isinstance(state, str) else None
