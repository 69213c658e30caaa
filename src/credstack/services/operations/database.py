"""Use cases for the database itself: initialise or upgrade it, and report its health.

``credstack init`` and ``/healthz`` go through here, so the CLI and the web app give the
same answers and the same error messages.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from alembic.util import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from credstack.core.errors import ConfigurationError
from credstack.settings import Settings
from credstack.store.engine import engine_for, redact_url, sqlite_path
from credstack.store.migrate import current_revision, head_revision, upgrade_to_head

#: bytes of randomness in a generated master secret (256 bits, stored base64url)
_SECRET_BYTES = 32


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
    """The state ``/healthz`` reports: ``state`` is ok, uninitialised, outdated or unreachable."""

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


def check_database(engine: Engine) -> DatabaseHealth:
    """Is the database reachable and at the schema this code expects?"""
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
    return DatabaseHealth("ok", revision, expected, "reachable and up to date")
