"""Migrations build exactly the schema the models describe, and can be re-run safely."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, delete, func, inspect, select
from sqlalchemy.orm import Session

from credstack.core.errors import ConfigurationError
from credstack.store import models  # noqa: F401  (registers the tables)
from credstack.store.base import Base
from credstack.store.engine import create_database_engine
from credstack.store.migrate import (
    downgrade_to,
    foreign_keys_off_on_sqlite,
    head_revision,
    refuse_broken_references,
    upgrade_to_head,
)
from credstack.store.models import Organization, SigningKey
from issued_awards import make_context, new_issuer


def test_models_and_migrations_agree(engine: Engine) -> None:
    """``alembic revision --autogenerate`` would find nothing to do."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A brand-new, empty database of each backend (PostgreSQL: a fresh schema)."""
    if request.param == "sqlite":
        engine = create_database_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield engine
        engine.dispose()
        return
    schemas = request.getfixturevalue("postgres_schemas")
    schema = schemas.create("migrations")
    engine = create_database_engine(schemas.url_for(schema))
    yield engine
    engine.dispose()
    schemas.drop(schema)


def test_upgrade_creates_every_table_then_does_nothing(empty_engine: Engine) -> None:
    first = upgrade_to_head(empty_engine)
    assert first.from_revision is None
    assert first.to_revision == head_revision()
    assert first.migrated
    assert set(Base.metadata.tables) <= set(inspect(empty_engine).get_table_names())

    second = upgrade_to_head(empty_engine)
    assert not second.migrated
    assert second.from_revision == second.to_revision == head_revision()


def test_downgrade_to_base_removes_everything_and_upgrade_restores_it(
    empty_engine: Engine,
) -> None:
    upgrade_to_head(empty_engine)
    downgrade_to(empty_engine, "base")
    remaining = set(inspect(empty_engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    assert upgrade_to_head(empty_engine).migrated
    assert "awards" in inspect(empty_engine).get_table_names()


def test_concurrent_upgrades_of_an_empty_database_both_succeed(empty_engine: Engine) -> None:
    """Several processes running ``credstack init`` at start-up: one migrates, one waits."""
    outcomes: list[bool] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def upgrade() -> None:
        start.wait(10)
        try:
            outcomes.append(upgrade_to_head(empty_engine).migrated)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=upgrade) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(outcomes) == [False, True]


def rebuild_organizations(connection: Connection) -> None:
    """What Alembic's batch mode does to change a SQLite table: copy, drop, rename."""
    operations = Operations(MigrationContext.configure(connection))
    with operations.batch_alter_table("organizations", recreate="always"):
        pass


def test_sqlite_migrations_may_rebuild_a_table_that_rows_point_at(tmp_path: Path) -> None:
    """A migration may rebuild a table rows point at without losing them; dangling ones fail.

    An empty database cannot show this (no row points at anything), so it is set up here;
    tests/store/test_upgrade_from_previous_main.py runs the shipped migrations on real data.
    """
    engine = create_database_engine(f"sqlite:///{tmp_path / 'filled.db'}")
    try:
        upgrade_to_head(engine)
        with Session(engine) as session:
            org_id = new_issuer(session, make_context(tmp_path)).id  # its signing key points at it
            session.commit()
        with engine.connect() as connection, connection.begin() as transaction:
            rebuild_organizations(connection)  # with enforcement on, as before:
            # dropping the old table deleted its rows first, and ON DELETE CASCADE the keys
            assert connection.scalar(select(func.count()).select_from(SigningKey)) == 0
            transaction.rollback()

        with (
            engine.connect() as connection,
            foreign_keys_off_on_sqlite(connection),
            connection.begin(),
        ):
            rebuild_organizations(connection)
            refuse_broken_references(connection, "the rebuild")
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.scalar(select(SigningKey.organization_id)) == org_id  # kept

        with (
            pytest.raises(ConfigurationError, match=r"the test would leave 1 rows with broken"),
            engine.connect() as connection,
            foreign_keys_off_on_sqlite(connection),
            connection.begin(),
        ):
            connection.execute(delete(Organization))  # its signing key would point at nothing
            refuse_broken_references(connection, "the test")
        with engine.connect() as connection:
            assert connection.scalar(select(Organization.id)) == org_id  # rolled back
    finally:
        engine.dispose()
