"""Alembic environment: runs on the connection handed in by ``credstack.store.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from credstack.store import models  # noqa: F401  (registers every table on Base.metadata)
from credstack.store.base import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "credstack migrations run through credstack.store.migrate (e.g. 'credstack init'),"
            " which supplies the database connection"
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
