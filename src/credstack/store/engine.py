"""Engines and sessions: one factory for SQLite and PostgreSQL.

SQLite is the embedded default, so it gets what a server database gives for free:
foreign keys enforced, WAL so readers never block the writer, a busy timeout instead of
an immediate "database is locked", and real SAVEPOINTs (pysqlite's own transaction
handling would break them). PostgreSQL is reached through psycopg 3.

The transaction belongs to the edge: a request or a CLI command opens a session with
:func:`session_scope`, which commits on success and rolls back on error; services only
flush.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from credstack.core.errors import ConfigurationError
from credstack.settings import normalise_database_url
from credstack.store.nul_guard import install_nul_guard

#: how long a SQLite writer waits for another writer before failing (milliseconds)
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: execution option: start SQLite transactions with BEGIN IMMEDIATE (take the write lock
#: at once). A deferred transaction that reads, then writes after another writer
#: committed, fails at once with "database is locked" instead of waiting; a unit of work
#: that reads before it writes (allocating a status-list index, migrating) sets this,
#: e.g. ``engine.execution_options(**{SQLITE_BEGIN_IMMEDIATE: True})``.
SQLITE_BEGIN_IMMEDIATE = "credstack_sqlite_begin_immediate"


def redact_url(url: str) -> str:
    """The URL without its password, safe for messages, logs and ``--json`` output."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def create_database_engine(url: str, **engine_options: Any) -> Engine:
    """An engine for ``url`` with the per-dialect settings Credstack relies on.

    The SQLite file's directory must exist; ``credstack init`` creates it. No connection
    is opened here, so an unreachable server surfaces on first use.
    """
    url = normalise_database_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            f"CREDSTACK_DATABASE_URL is not a database URL: {url!r} "
            "(expected sqlite:///path/to/file.db or postgresql://user@host/db)"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = create_engine(parsed, **engine_options)
        _configure_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"))
        install_nul_guard(engine)
        return engine
    if backend == "postgresql":
        options = {"pool_pre_ping": True, **engine_options}
        try:
            engine = create_engine(parsed, **options)
        except ModuleNotFoundError as exc:
            raise ConfigurationError(
                f"PostgreSQL driver missing ({exc.name}); install psycopg"
            ) from exc
        install_nul_guard(engine)
        return engine
    raise ConfigurationError(
        f"unsupported database {backend!r} in {redact_url(url)}; use sqlite or postgresql"
    )


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (None for other databases or in-memory SQLite)."""
    parsed = make_url(normalise_database_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    # a URI filename (``sqlite:///file:/path/db?mode=ro&uri=true``) names the file after file:
    return Path(parsed.database.removeprefix("file:"))


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, emit BEGIN: required for SAVEPOINT to work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(SQLITE_BEGIN_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (responses are built after it)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work at the edge: commit if the block succeeds, else roll back."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
