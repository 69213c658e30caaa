"""Engines and sessions: one factory for SQLite and PostgreSQL.

SQLite is the embedded default, so it gets what a server database gives for free:
foreign keys enforced, WAL so readers never block the writer, a busy timeout instead of
an immediate "database is locked", and real SAVEPOINTs (pysqlite's own transaction
handling would break them). PostgreSQL is reached through psycopg 3.

SQLite has one writer at a time, so every session says up front what it will do
(:class:`Transactions`): a *read* session begins a deferred transaction, which reads
a snapshot and never waits; a *write* session begins ``BEGIN IMMEDIATE``, taking the
write lock before its first statement, so it waits its turn (in this process's
:mod:`~credstack.store.write_gate`, then in SQLite's busy handler for other processes)
instead of failing later when its read would have to become a write; a *background*
session does the same behind every waiting write session, with more patience. Waiting
longer than allowed raises :class:`~credstack.core.errors.BusyError` (the API answers
503 with ``Retry-After``); SQLite's own "database is locked" becomes the same error.

The transaction belongs to the edge: a request or a CLI command opens a session with
:func:`session_scope`, which commits on success and rolls back on error; services only
flush.
"""

from __future__ import annotations

import enum
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from credstack.core.errors import BusyError, ConfigurationError
from credstack.settings import DEFAULT_SQLITE_BUSY_TIMEOUT_MS, Settings, normalise_database_url
from credstack.store.nul_guard import install_nul_guard
from credstack.store.write_gate import WriteGate, gate_for


class Transactions(enum.StrEnum):
    """How a session's transactions begin on SQLite (PostgreSQL needs no choice)."""

    #: deferred ``BEGIN``: a snapshot that never waits for writers (GET requests, listings)
    READ = "read"
    #: ``BEGIN IMMEDIATE``, waiting up to the busy timeout (requests that change data, CLI)
    WRITE = "write"
    #: ``BEGIN IMMEDIATE`` after every waiting WRITE, waiting up to
    #: :data:`BACKGROUND_PATIENCE_SECONDS` (bulk jobs, mail delivery, ``award bulk``)
    BACKGROUND = "background"


#: execution option naming the :class:`Transactions` of a connection (or engine view)
TRANSACTIONS = "credstack_transactions"
#: older spelling of ``TRANSACTIONS: WRITE`` (``True``), kept for callers that set it
SQLITE_BEGIN_IMMEDIATE = "credstack_sqlite_begin_immediate"
#: how long background work waits for the write lock before it gives up
BACKGROUND_PATIENCE_SECONDS = 600.0
#: connections kept open per engine, and how many more a burst may open. Sized for the
#: web server's 40 worker threads plus bulk jobs and mail delivery: a request must never
#: wait for a connection while the database itself is free.
POOL_SIZE = 10
POOL_OVERFLOW = 60
#: SQLite result codes that mean "another connection holds the lock" (low byte)
_SQLITE_BUSY_CODES = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED
_GATE_KEY = "credstack_write_gate"
#: PostgreSQL's SQLSTATE when ``lock_timeout`` ran out
_LOCK_NOT_AVAILABLE = "55P03"


def busy_message(waited_ms: int | None) -> str:
    """What a person reads when a write could not get the lock (in ``waited_ms``)."""
    held = (
        "other writes held it"
        if waited_ms is None
        else (f"other writes held it for more than {waited_ms / 1000:g} s")
    )
    return (
        f"the database is busy, try again: {held} (SQLite writes one transaction at a time; "
        "CREDSTACK_SQLITE_BUSY_TIMEOUT_MS sets the wait, PostgreSQL writes concurrently)"
    )


def redact_url(url: str) -> str:
    """The URL without its password, safe for messages, logs and ``--json`` output."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def create_database_engine(
    url: str, *, busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS, **engine_options: Any
) -> Engine:
    """An engine for ``url`` with the per-dialect settings Credstack relies on.

    ``busy_timeout_ms`` is how long a SQLite write waits for the lock
    (``CREDSTACK_SQLITE_BUSY_TIMEOUT_MS``). The SQLite file's directory must exist;
    ``credstack init`` creates it. No connection is opened here, so an unreachable
    server surfaces on first use.
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
    in_memory = parsed.database in (None, "", ":memory:")
    pooled = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    if backend == "sqlite":
        engine = create_engine(parsed, **({} if in_memory else pooled), **engine_options)
        database = None if in_memory else os.path.realpath(str(parsed.database))
        _configure_sqlite(engine, database=database, busy_timeout_ms=busy_timeout_ms)
        install_nul_guard(engine)
        return engine
    if backend == "postgresql":
        options = {"pool_pre_ping": True, **pooled, **engine_options}
        try:
            engine = create_engine(parsed, **options)
        except ModuleNotFoundError as exc:
            raise ConfigurationError(
                f"PostgreSQL driver missing ({exc.name}); install psycopg"
            ) from exc
        _configure_postgresql(engine, busy_timeout_ms=busy_timeout_ms)
        install_nul_guard(engine)
        return engine
    raise ConfigurationError(
        f"unsupported database {backend!r} in {redact_url(url)}; use sqlite or postgresql"
    )


def engine_for(settings: Settings) -> Engine:
    """The engine of a deployment: its database URL and its SQLite busy timeout."""
    return create_database_engine(
        settings.effective_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (None for other databases or in-memory SQLite)."""
    parsed = make_url(normalise_database_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    # a URI filename (``sqlite:///file:/path/db?mode=ro&uri=true``) names the file after file:
    return Path(parsed.database.removeprefix("file:"))


def _configure_sqlite(engine: Engine, *, database: str | None, busy_timeout_ms: int) -> None:
    gate = gate_for(database) if database is not None else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, emit BEGIN: required for SAVEPOINT to work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
            if database is not None:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = transactions_of(connection.get_execution_options())
        if mode is Transactions.READ:
            connection.exec_driver_sql("BEGIN")
        else:
            _begin_immediate(connection, gate, mode, busy_timeout_ms)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Any) -> None:
        _leave_gate(connection.info)

    @event.listens_for(engine, "checkin")
    @event.listens_for(engine, "invalidate")
    def _on_lost(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
        _leave_gate(record.info)  # a connection that went away without COMMIT/ROLLBACK

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> BaseException | None:
        # a read transaction that tried to write fails at once, whatever the timeout
        code = getattr(context.original_exception, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in _SQLITE_BUSY_CODES:
            return BusyError(busy_message(None))
        return None


def _configure_postgresql(engine: Engine, *, busy_timeout_ms: int) -> None:
    """PostgreSQL writes concurrently, but a row lock can still make a request wait.

    A request waits for a row another transaction holds at most the busy timeout
    (``lock_timeout``), then answers "busy" like SQLite: no lock wait can hang a worker
    thread for ever. Background transactions wait their whole patience.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {busy_timeout_ms}")
        dbapi_connection.commit()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if transactions_of(connection.get_execution_options()) is Transactions.BACKGROUND:
            patience_ms = round(BACKGROUND_PATIENCE_SECONDS * 1000)
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {patience_ms}")

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> BaseException | None:
        if getattr(context.original_exception, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            return BusyError(busy_message(busy_timeout_ms))
        return None


def transactions_of(options: Any) -> Transactions:
    """The :class:`Transactions` a connection's execution options ask for (default READ)."""
    value = options.get(TRANSACTIONS)
    if value is not None:
        return Transactions(value)
    return Transactions.WRITE if options.get(SQLITE_BEGIN_IMMEDIATE) else Transactions.READ


def _begin_immediate(
    connection: Any, gate: WriteGate | None, mode: Transactions, busy_timeout_ms: int
) -> None:
    """Queue at the gate, then ``BEGIN IMMEDIATE`` within the time the mode allows.

    A write waits at most the busy timeout in all (the gate's share is subtracted from
    SQLite's). Background work that loses to another process's writer steps out of the
    queue, lets this process's requests pass, and tries again until its patience ends.
    """
    background = mode is Transactions.BACKGROUND
    patience = BACKGROUND_PATIENCE_SECONDS if background else busy_timeout_ms / 1000
    deadline = time.monotonic() + patience
    while True:
        holder = object()
        if gate is not None:
            if not gate.acquire(holder, background=background, deadline=deadline):
                raise BusyError(busy_message(round(patience * 1000)))
            connection.info[_GATE_KEY] = (gate, holder)
        remaining_ms = max(1, round((deadline - time.monotonic()) * 1000))
        wait_ms = min(remaining_ms, busy_timeout_ms) if background else remaining_ms
        try:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={wait_ms}")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except BusyError:
            _leave_gate(connection.info)
            if not background or time.monotonic() >= deadline:
                raise BusyError(busy_message(round(patience * 1000))) from None
            time.sleep(random.uniform(0.05, 0.2))  # jitter, not a secret
        except BaseException:
            _leave_gate(connection.info)
            raise


def _leave_gate(info: dict[Any, Any]) -> None:
    held = info.pop(_GATE_KEY, None)
    if held is not None:
        gate, holder = held
        gate.release(holder)


def with_transactions(engine: Engine, transactions: Transactions) -> Engine:
    """A view of ``engine`` (same pool) whose transactions begin as ``transactions`` says."""
    return engine.execution_options(**{TRANSACTIONS: transactions.value})


def session_factory(
    engine: Engine, transactions: Transactions = Transactions.WRITE
) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (responses are built after it).

    Writes by default: a session that may change data must take SQLite's write lock
    before it reads (see the module docstring); ask for ``Transactions.READ`` where
    nothing is written, so that reading never waits.
    """
    return sessionmaker(bind=with_transactions(engine, transactions), expire_on_commit=False)


@contextmanager
def best_effort(session: Session) -> Iterator[None]:
    """Run a write that may be dropped (a cache, a "last used" stamp) in a SAVEPOINT.

    A read transaction on SQLite cannot take the write lock while another writer holds
    it or after another writer committed (its snapshot is stale): the write then fails
    at once, is rolled back to the SAVEPOINT, and the caller's transaction goes on as if
    it had not been tried. Any other error is raised.
    """
    try:
        with session.begin_nested():
            yield
    except BusyError:
        pass


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
