"""Use cases for the database itself: initialise or upgrade it, and report its health.

``credstack init`` and ``/healthz`` go through here, so the CLI and the web app give the
same answers and the same error messages.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from credstack.core.errors import BusyError, ConfigurationError
from credstack.settings import Settings
from credstack.store.engine import engine_for, redact_url, sqlite_path
from credstack.store.migrate import current_revision, head_revision, upgrade_to_head
from credstack.store.write_errors import cannot_write_reason

#: bytes of randomness in a generated master secret (256 bits, stored base64url)
_SECRET_BYTES = 32
#: below this much free space on a SQLite database's disk, ``/healthz`` reports it unwritable
MIN_FREE_DISK_BYTES = 16 * 1024 * 1024
#: how long the write probe waits for another SQLite writer (milliseconds)
_PROBE_WAIT_MS = 250
#: the write probe: rewrites the revision row with itself, then rolls back
_PROBE = text("UPDATE alembic_version SET version_num = version_num")


@dataclass(frozen=True)
class MigrationResult:
    """What ``credstack init`` did: ``migrated`` is False when there was nothing to do."""

    database: str
    migrated: bool
    from_revision: str | None
    to_revision: str
    secret_created: bool = False


@dataclass(frozen=True)
class DatabaseHealth:
    """The state ``/healthz`` reports: ok, uninitialised, outdated, unreachable or unwritable."""

    state: str
    revision: str | None
    expected_revision: str
    detail: str

    @property
    def ok(self) -> bool:
        return self.state == "ok"


def unreachable_error(database_url: str, exc: BaseException) -> ConfigurationError:
    """One readable line for a database that cannot be reached (no traceback, no password)."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    return ConfigurationError(f"cannot reach the database at {redact_url(database_url)}: {first}")


def ensure_home(settings: Settings) -> bool:
    """Create ``CREDSTACK_HOME`` and the master secret file (mode 0600) if missing.

    Returns True when a new secret was written. With ``CREDSTACK_SECRET_KEY`` set, no
    file is written: the operator manages the secret.
    """
    try:
        settings.home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot create CREDSTACK_HOME {settings.home}: {exc}") from None
    path = sqlite_path(settings.effective_database_url)
    if path is not None and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return False
    return _write_secret_once(settings.secret_key_path)


def _write_secret_once(path: Path) -> bool:
    if path.exists():
        return False
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    try:
        # O_EXCL: two concurrent inits cannot both write (and one overwrite the other's key).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise ConfigurationError(f"cannot write the master secret {path}: {exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    os.chmod(path, 0o600)
    return True


def upgrade_database(settings: Settings, engine: Engine | None = None) -> MigrationResult:
    """Create or upgrade the schema to the newest revision; a second run changes nothing."""
    secret_created = ensure_home(settings)
    url = settings.effective_database_url
    owned = engine is None
    engine = engine or engine_for(settings)
    try:
        outcome = upgrade_to_head(engine)
    except OperationalError as exc:
        raise unreachable_error(url, exc) from None
    except CommandError as exc:
        raise ConfigurationError(
            f"cannot upgrade the database at {redact_url(url)}: {exc} "
            "(was it created by a newer Credstack?)"
        ) from None
    finally:
        if owned:
            engine.dispose()
    return MigrationResult(
        database=redact_url(url),
        migrated=outcome.migrated,
        from_revision=outcome.from_revision,
        to_revision=outcome.to_revision,
        secret_created=secret_created,
    )


def check_database(engine: Engine, *, probe_write: bool = False) -> DatabaseHealth:
    """Is the database reachable and at the schema this code expects?

    ``probe_write`` (``/healthz``) also asks whether it takes writes: a database that
    answers reads while every write fails (read-only file or mount, full disk, a
    PostgreSQL standby) is not able to serve either, see :func:`write_problem`.
    """
    expected = head_revision()
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()
        return DatabaseHealth("unreachable", None, expected, reason[0] if reason else "error")
    if revision is None:
        return DatabaseHealth("uninitialised", None, expected, "run 'credstack init'")
    if revision != expected:
        return DatabaseHealth(
            "outdated",
            revision,
            expected,
            f"at {revision}, expected {expected}: run 'credstack init'",
        )
    problem = write_problem(engine) if probe_write else None
    if problem is not None:
        return DatabaseHealth("unwritable", revision, expected, problem)
    return DatabaseHealth("ok", revision, expected, "reachable and up to date")


def write_problem(engine: Engine) -> str | None:
    """Why the database cannot take a write now, or None when it can.

    A no-op UPDATE of the schema revision row in a transaction that is rolled back: it
    needs the same write access as any real write (SQLite's write lock and a writable
    file, PostgreSQL's read-write transaction) and changes nothing. On SQLite the probe
    waits at most :data:`_PROBE_WAIT_MS` for another writer (busy is not broken), and the
    free space of the file's disk is checked too: with WAL, a rolled-back write never
    touches the disk, so a full disk would otherwise go unnoticed until a commit.
    """
    path = sqlite_path(str(engine.url))
    if path is not None:
        free = shutil.disk_usage(path.parent).free
        if free < MIN_FREE_DISK_BYTES:
            return f"the disk holding {path} has only {free:,} bytes free"
    try:
        with engine.connect() as connection:
            previous = None
            try:
                if path is not None:
                    previous = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={_PROBE_WAIT_MS}")
                connection.execute(_PROBE)
            finally:
                connection.rollback()
                if previous is not None:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={int(previous)}")
                    connection.rollback()
    except BusyError:
        return None  # another writer holds the lock: busy, but writable
    except DBAPIError as exc:
        reason = cannot_write_reason(exc)
        if reason is not None:
            return reason
        if path is not None and "locked" in str(exc.orig):
            return None  # another writer holds the lock: busy, but writable
        raise
    return None
