"""One CLI command = one unit of work: settings, engine, session, context; commit at the edge.

Commands that change data do::

    with unit_of_work() as (session, ctx):
        organization = create_issuer(session, ctx, ...)
        print(...)  # after the block has committed, prefer printing outside it

The block commits when it ends normally and rolls back on any error, so a command that
fails halfway leaves nothing behind. Services only flush (architecture §3). The database is
checked first, so an uninitialised one gives "run 'credstack init'" instead of an SQL
error about a missing table. Imported inside command functions only (it pulls in
SQLAlchemy), to keep ``credstack --help`` instant.

On SQLite the session takes the write lock before its first statement
(``Transactions.WRITE``), so a command run while ``credstack serve`` writes waits its
turn instead of failing; commands that only read pass ``Transactions.READ`` and never
wait, and long ones that commit batch by batch (``award bulk``) pass
``Transactions.BACKGROUND`` to wait patiently between batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from credstack.core.errors import ConfigurationError
from credstack.services.context import ServiceContext
from credstack.services.operations.database import check_database, unreachable_error
from credstack.settings import load_settings
from credstack.store.engine import Transactions, engine_for, session_factory, session_scope


@contextmanager
def unit_of_work(
    *, actor: str = "cli", transactions: Transactions = Transactions.WRITE
) -> Iterator[tuple[Session, ServiceContext]]:
    """A committed-or-rolled-back session on an initialised database, with its context."""
    settings = load_settings()
    engine = engine_for(settings)
    try:
        health = check_database(engine)
        if health.state == "unreachable":
            raise unreachable_error(settings.effective_database_url, RuntimeError(health.detail))
        if not health.ok:
            raise ConfigurationError(f"the database is {health.state}: run 'credstack init' first")
        ctx = ServiceContext.from_settings(settings, actor=actor)
        with session_scope(session_factory(engine, transactions)) as session:
            yield session, ctx
    finally:
        engine.dispose()
