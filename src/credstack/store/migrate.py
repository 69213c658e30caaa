"""Schema migrations with Alembic, configured in code.

No ``alembic.ini`` is needed: the script location is this package's ``migrations``
folder, so ``credstack init`` works the same from a checkout and from an installed wheel.
The caller hands in a connection (``config.attributes["connection"]``), so migrations run
on exactly the engine (and PostgreSQL schema) the application uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

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
    with engine.execution_options(**{SQLITE_BEGIN_IMMEDIATE: True}).begin() as connection:
        _lock_for_migration(connection)
        before = current_revision(connection)
        if before != head:
            command.upgrade(alembic_config(connection), "head")
    return UpgradeOutcome(from_revision=before, to_revision=head)


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
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)
