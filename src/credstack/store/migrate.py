"""Schema migrations with Alembic, configured in code.

No ``alembic.ini`` is needed: the script location is this package's ``migrations``
folder, so ``credstack init`` works the same from a checkout and from an installed wheel.
The caller hands in a connection (``config.attributes["connection"]``), so migrations run
on exactly the engine (and PostgreSQL schema) the application uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from credstack.core.errors import ConfigurationError
from credstack.store.engine import SQLITE_BEGIN_IMMEDIATE

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the bundled migrations (and at ``connection``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration this version of Credstack ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no migrations bundled")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None for an empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


@dataclass(frozen=True)
class UpgradeOutcome:
    """What :func:`upgrade_to_head` did."""

    from_revision: str | None
    to_revision: str

    @property
    def migrated(self) -> bool:
        return self.from_revision != self.to_revision


def upgrade_to_head(engine: Engine) -> UpgradeOutcome:
    """Bring the schema to the newest revision in one transaction; no-op when it is there."""
    head = head_revision()
    with (
        engine.connect() as connection,
        foreign_keys_off_on_sqlite(connection),
        connection.execution_options(**{SQLITE_BEGIN_IMMEDIATE: True}).begin(),
    ):
        _lock_for_migration(connection)
        before = current_revision(connection)
        if before != head:
            command.upgrade(alembic_config(connection), "head")
            refuse_broken_references(connection, f"the upgrade to {head}")
    return UpgradeOutcome(from_revision=before, to_revision=head)


@contextmanager
def foreign_keys_off_on_sqlite(connection: Connection) -> Iterator[None]:
    """SQLite: no foreign-key enforcement while migrating (check with the function below).

    SQLite changes a table by copying it to a new one, dropping the old and renaming
    (Alembic's batch mode). With foreign keys enforced, dropping a table that other rows
    point at fails ("FOREIGN KEY constraint failed") as soon as the database holds data,
    although the references are whole again after the rename; an empty test database
    never shows it. SQLite's documented procedure is: enforcement off (possible only
    outside a transaction, hence around it), migrate, ``PRAGMA foreign_key_check``,
    enforcement on again. PostgreSQL alters tables in place and needs none of this.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None  # an open pysqlite connection, in autocommit mode
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def refuse_broken_references(connection: Connection, what: str) -> None:
    """SQLite: fail (so the transaction rolls back) if rows now point at nothing.

    What foreign-key enforcement would have refused during the migration is refused
    here instead, before the commit; PostgreSQL enforced it all along.
    """
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = ", ".join(sorted({str(row[0]) for row in broken}))
        raise ConfigurationError(
            f"{what} would leave {len(broken)} rows with broken references (in {tables}); "
            "nothing was changed"
        )


#: PostgreSQL advisory lock key for migrations ("cred" in ASCII)
_MIGRATION_LOCK_KEY = 0x63726564


def _lock_for_migration(connection: Connection) -> None:
    """Serialise concurrent upgrades (several app processes starting at once).

    The second process waits, then finds the schema current and does nothing, instead of
    failing on "table already exists". SQLite is already serialised by BEGIN IMMEDIATE.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})


def downgrade_to(engine: Engine, revision: str) -> None:
    """Downgrade (``"base"`` drops everything); for tests and operators undoing a release."""
    with (
        engine.connect() as connection,
        foreign_keys_off_on_sqlite(connection),
        connection.begin(),
    ):
        command.downgrade(alembic_config(connection), revision)
        refuse_broken_references(connection, f"the downgrade to {revision}")
