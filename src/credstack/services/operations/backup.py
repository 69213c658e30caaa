"""Backup and restore: the database, the signing keys and the master secret, together.

Signing keys are sealed under the master secret, so a database dump without the secret
is a pile of undecryptable keys. A backup is therefore ONE ``.tar.gz`` holding:

* ``manifest.json``: format, Credstack version, Alembic revision, row counts and the
  SHA-256 of every other member;
* ``secret.key``: the master secret (the archive is as secret as the keys: store it so);
* ``tables/NN-<table>.jsonl``: every table as JSON lines, parents before children
  (see :mod:`credstack.services.operations.backup_rows`), so it restores on SQLite or PostgreSQL.

A restore goes into an EMPTY database at the same schema revision, checks every
SHA-256 before loading anything, loads in one transaction, and writes the master
secret file (0600) unless ``CREDSTACK_SECRET_KEY`` is set, in which case it must match.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, func, select

from credstack import __version__
from credstack.core.errors import ConfigurationError, ConflictError, InputError
from credstack.services.operations.backup_rows import TableLoader, dump_rows
from credstack.services.operations.database import (
    check_database,
    ensure_home,
    unreachable_error,
    upgrade_database,
)
from credstack.settings import Settings
from credstack.store.base import Base
from credstack.store.engine import engine_for
from credstack.store.migrate import current_revision

#: identifies Credstack backup archives (and their layout version)
FORMAT = "credstack-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SECRET_MEMBER = "secret.key"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BackupResult:
    """What :func:`backup` wrote: the archive, its schema revision and rows per table."""

    path: Path
    revision: str
    counts: dict[str, int]


@dataclass(frozen=True)
class RestoreResult:
    """What :func:`restore` loaded; ``secret_file`` is None when the environment holds it."""

    revision: str
    counts: dict[str, int]
    secret_file: Path | None
    created_at: str


def _tables() -> list[Any]:
    import credstack.store.models  # noqa: F401  (registers every table on the metadata)

    return list(Base.metadata.sorted_tables)


def backup(settings: Settings, out_path: Path, *, engine: Engine | None = None) -> BackupResult:
    """Write a consistent snapshot of the whole deployment to ``out_path`` (a .tar.gz)."""
    secret = settings.master_secret()
    owned = engine is None
    engine = engine or engine_for(settings)
    try:
        with tempfile.TemporaryDirectory(prefix="credstack-backup-") as scratch:
            revision, members = _dump(engine, Path(scratch))
            counts = {table: rows for table, (_, rows, _) in members.items()}
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "credstack_version": __version__,
                "created_at": datetime.now(UTC).isoformat(),
                "alembic_revision": revision,
                "secret_sha256": hashlib.sha256(secret).hexdigest(),
                "tables": [
                    {"name": table, "member": member, "rows": rows, "sha256": digest}
                    for table, (member, rows, digest) in members.items()
                ],
            }
            _write_archive(out_path, manifest, secret, Path(scratch), members)
    finally:
        if owned:
            engine.dispose()
    return BackupResult(path=out_path, revision=revision, counts=counts)


def _dump(engine: Engine, folder: Path) -> tuple[str, dict[str, tuple[str, int, str]]]:
    """Table → (member name, rows, SHA-256), all read in one transaction (one snapshot)."""
    options: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "REPEATABLE READ"
    members: dict[str, tuple[str, int, str]] = {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        revision = current_revision(connection)
        if revision is None:
            raise ConfigurationError(
                "the database is empty (never initialised): nothing to back up"
            )
        for number, table in enumerate(_tables(), start=1):
            member = f"tables/{number:02d}-{table.name}.jsonl"
            digest = hashlib.sha256()
            rows = 0
            with (folder / f"{number:02d}.jsonl").open("wb") as handle:
                for row in dump_rows(connection, table):
                    line = json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
                    data = line.encode("utf-8")
                    handle.write(data)
                    digest.update(data)
                    rows += 1
            members[table.name] = (member, rows, digest.hexdigest())
    return revision, members


def _write_archive(
    out_path: Path,
    manifest: dict[str, Any],
    secret: bytes,
    scratch: Path,
    members: dict[str, tuple[str, int, str]],
) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".partial")
    # Owner-only from the first byte: the archive holds the master secret.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as archive,
        ):
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))
            _add_bytes(archive, SECRET_MEMBER, secret)
            for number, (member, _, _) in enumerate(members.values(), start=1):
                info = archive.gettarinfo(str(scratch / f"{number:02d}.jsonl"), arcname=member)
                info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
                with (scratch / f"{number:02d}.jsonl").open("rb") as handle:
                    archive.addfile(info, handle)
        os.chmod(partial, 0o600)
        partial.replace(out_path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def restore(settings: Settings, in_path: Path, *, engine: Engine | None = None) -> RestoreResult:
    """Load a :func:`backup` archive into an empty database and install its master secret."""
    manifest, secret = _checked_archive(in_path)
    _check_secret_against_environment(settings, secret)
    owned = engine is None
    engine = engine or engine_for(settings)
    try:
        revision = _ready_revision(settings, engine)
        if revision != manifest["alembic_revision"]:
            raise ConflictError(
                f"the archive is at schema revision {manifest['alembic_revision']} but this "
                f"Credstack's database is at {revision}: restore with the Credstack version "
                f"that made the backup ({manifest.get('credstack_version', 'unknown')})"
            )
        _check_empty(engine)
        secret_file = _install_secret(settings, secret)
        counts = _load(engine, in_path, manifest)
    finally:
        if owned:
            engine.dispose()
    return RestoreResult(
        revision=revision,
        counts=counts,
        secret_file=secret_file,
        created_at=str(manifest.get("created_at", "")),
    )


def _open(in_path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(in_path, mode="r:gz")
    except FileNotFoundError:
        raise InputError(f"no backup archive at {in_path}") from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise InputError(f"{in_path} is not a Credstack backup (.tar.gz): {exc}") from None


def _members(archive: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    for info in archive:
        if not info.isfile():
            raise InputError(f"unexpected entry {info.name!r} in the backup archive")
        handle = archive.extractfile(info)
        if handle is None:  # pragma: no cover - isfile() entries always have a body
            raise InputError(f"cannot read {info.name!r} from the backup archive")
        yield info, handle


def _checked_archive(in_path: Path) -> tuple[dict[str, Any], bytes]:
    """Manifest and secret, after checking every member's SHA-256 (nothing loaded yet)."""
    manifest: dict[str, Any] | None = None
    secret: bytes | None = None
    seen: dict[str, str] = {}
    try:
        with _open(in_path) as archive:
            for info, handle in _members(archive):
                if info.name == MANIFEST:
                    manifest = json.loads(handle.read().decode("utf-8"))
                elif info.name == SECRET_MEMBER:
                    secret = handle.read()
                else:
                    digest = hashlib.sha256()
                    while chunk := handle.read(_CHUNK):
                        digest.update(chunk)
                    seen[info.name] = digest.hexdigest()
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise InputError(f"the backup archive {in_path} is damaged: {exc}") from None
    if manifest is None or manifest.get("format") != FORMAT or secret is None:
        raise InputError(f"{in_path} is not a Credstack backup (no manifest or no master secret)")
    expected = {entry["member"]: entry["sha256"] for entry in manifest["tables"]}
    damaged = sorted(name for name in expected if seen.get(name) != expected[name])
    extra = sorted(set(seen) - set(expected))
    if damaged or extra:
        raise InputError(
            f"the backup archive {in_path} is damaged: "
            + "; ".join(
                [
                    *(f"{n} fails its SHA-256" for n in damaged),
                    *(f"{n} is unexpected" for n in extra),
                ]
            )
        )
    if hashlib.sha256(secret).hexdigest() != manifest.get("secret_sha256"):
        raise InputError(f"the backup archive {in_path} is damaged: secret.key fails its SHA-256")
    return manifest, secret


def _check_secret_against_environment(settings: Settings, secret: bytes) -> None:
    """A different CREDSTACK_SECRET_KEY could not unseal the restored keys: refuse."""
    if settings.secret_key is None or not settings.secret_key.get_secret_value():
        return
    if settings.secret_key.get_secret_value().encode("utf-8") != secret.strip():
        raise ConfigurationError(
            "CREDSTACK_SECRET_KEY differs from the master secret in the backup, so the restored "
            "signing keys could not be unsealed: unset CREDSTACK_SECRET_KEY (the archive's "
            f"secret is then written to {settings.secret_key_path}) or set it to the archive's"
        )


def _ready_revision(settings: Settings, engine: Engine) -> str:
    """The database's schema revision, initialising a brand-new one like 'credstack init'."""
    ensure_home(settings)
    health = check_database(engine)
    if health.state == "unreachable":
        raise unreachable_error(settings.effective_database_url, RuntimeError(health.detail))
    if health.state == "uninitialised":
        upgrade_database(settings, engine)
        health = check_database(engine)
    if not health.ok or health.revision is None:
        raise ConfigurationError(f"the database is {health.state}: {health.detail}")
    return health.revision


def _check_empty(engine: Engine) -> None:
    with engine.connect() as connection:
        counts = {
            table.name: int(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in _tables()
        }
    filled = {name: rows for name, rows in counts.items() if rows}
    if filled:
        name = "awards" if "awards" in filled else max(filled, key=lambda n: filled[n])
        raise ConflictError(
            f"restore needs an empty database; this one has {filled[name]} {name}"
            " (point CREDSTACK_DATABASE_URL at a new database and run 'credstack init')"
        )


def _install_secret(settings: Settings, secret: bytes) -> Path | None:
    """Write ``<home>/secret.key`` (0600) unless the environment provides the secret."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return None
    path = settings.secret_key_path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".restoring")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secret.strip() + b"\n")
        os.chmod(partial, 0o600)
        partial.replace(path)
    except OSError as exc:
        raise ConfigurationError(f"cannot write the master secret {path}: {exc}") from None
    return path


def _load(engine: Engine, in_path: Path, manifest: dict[str, Any]) -> dict[str, int]:
    tables = {table.name: table for table in _tables()}
    entries = manifest["tables"]
    unknown = [entry["name"] for entry in entries if entry["name"] not in tables]
    if unknown:
        raise InputError(f"the backup has tables this Credstack does not know: {unknown}")
    by_member = {entry["member"]: entry for entry in entries}
    counts: dict[str, int] = {}
    with _open(in_path) as archive, engine.begin() as connection:
        for info, handle in _members(archive):
            entry = by_member.get(info.name)
            if entry is None:
                continue
            loader = TableLoader(connection, tables[entry["name"]])
            for line in io.TextIOWrapper(handle, encoding="utf-8"):
                loader.add(json.loads(line))
            counts[entry["name"]] = loader.finish()
            if counts[entry["name"]] != entry["rows"]:
                raise InputError(
                    f"{info.name} holds {counts[entry['name']]} rows, the manifest says "
                    f"{entry['rows']}: the archive is damaged"
                )
    return counts
