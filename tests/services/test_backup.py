"""Backup on SQLite → restore on a fresh SQLite and on PostgreSQL: same rows, keys still sign.

Each test builds its own databases (not the shared rolled-back one): a backup reads
committed data and a restore commits into an empty database.
"""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credstack.core.errors import ConfigurationError, ConflictError, InputError
from credstack.core.keys import Ed25519PublicKey
from credstack.services import audit
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import active_signer
from credstack.services.learners.claims import queue_claim_email
from credstack.services.operations.backup import backup, restore
from credstack.services.operations.database import upgrade_database
from credstack.services.revocation.revoke import revoke
from credstack.settings import Settings
from credstack.store.engine import create_database_engine
from credstack.store.models import Award, Event, OutboxEmail
from issued_awards import issue, new_achievement, new_issuer

TABLES_TO_COMPARE = ("organizations", "signing_keys", "awards", "events", "outbox")


@dataclass(frozen=True)
class Source:
    settings: Settings
    organization_id: str
    public_multibase: str
    award_ids: list[str]
    credentials: dict[str, str]


def sqlite_settings(home: Path, secret: str | None = None) -> Settings:
    return Settings(
        home=home,
        database_url=None,
        secret_key=SecretStr(secret) if secret else None,
    )


@pytest.fixture
def source(tmp_path: Path) -> Source:
    """A SQLite deployment (secret in a file) with an issuer, awards, a revocation, e-mails."""
    settings = sqlite_settings(tmp_path / "source")
    upgrade_database(settings)
    engine = create_database_engine(settings.effective_database_url)
    with Session(engine) as session:
        ctx = ServiceContext.from_settings(settings)
        org = new_issuer(session, ctx)
        achievement = new_achievement(session, org)
        awards = [
            issue(session, ctx, org, achievement, email=f"learner{n}@example.org") for n in range(3)
        ]
        for award in awards:
            queue_claim_email(session, ctx, award)
        revoke(session, ctx, awards[0].id, "issued in error")
        # A self-reference pointing "forwards" in primary-key order.
        first, last = sorted(awards, key=lambda award: award.id)[0], max(awards, key=lambda a: a.id)
        first.replaces_award_id = last.id
        public = active_signer(session, ctx, org.id).key_pair.public_multibase
        session.commit()
        result = Source(
            settings=settings,
            organization_id=org.id,
            public_multibase=public,
            award_ids=[award.id for award in awards],
            credentials={award.id: award.credential for award in awards},
        )
    engine.dispose()
    return result


def counts(url: str) -> dict[str, int]:
    from credstack.store.base import Base

    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: int(
                    connection.execute(select(func.count()).select_from(table)).scalar_one()
                )
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def check_restored(settings: Settings, source: Source) -> None:
    """Same rows, the award texts byte-identical, the key unseals and signs, the log grows."""
    assert counts(settings.effective_database_url) == counts(source.settings.effective_database_url)
    engine = create_database_engine(settings.effective_database_url)
    try:
        with Session(engine) as session:
            ctx = ServiceContext.from_settings(settings)
            for award_id, text in source.credentials.items():
                award = session.get(Award, award_id)
                assert award is not None and award.credential == text
            replaced = [a for a in session.scalars(select(Award)) if a.replaces_award_id]
            assert len(replaced) == 1 and replaced[0].replaces_award_id in source.award_ids
            signer = active_signer(session, ctx, source.organization_id)
            assert signer.key_pair.public_multibase == source.public_multibase
            signature = signer.key_pair.sign(b"still signs after restore")
            public = Ed25519PublicKey.from_multibase(source.public_multibase)
            assert public.verify(signature, b"still signs after restore")
            before = session.scalar(select(func.max(Event.id)))
            audit.record(session, ctx, "test.after_restore", subject_type="test", subject_id="x")
            session.add(OutboxEmail(to_address="a@b.org", subject="s", text_body="t"))
            session.commit()  # sequences moved past the restored ids (PostgreSQL)
            assert session.scalar(select(func.max(Event.id))) == (before or 0) + 1
    finally:
        engine.dispose()


def test_backup_holds_every_table_the_secret_and_a_manifest(source: Source, tmp_path: Path) -> None:
    out = tmp_path / "backups" / "credstack.tar.gz"

    result = backup(source.settings, out)

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with tarfile.open(out, "r:gz") as archive:
        names = archive.getnames()
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
        secret = archive.extractfile("secret.key").read()  # type: ignore[union-attr]
    assert names[:2] == ["manifest.json", "secret.key"]
    assert secret == source.settings.master_secret()
    rows = {entry["name"]: entry["rows"] for entry in manifest["tables"]}
    assert rows["awards"] == 3 and rows["outbox"] == 3 and rows["organizations"] == 1
    assert rows == result.counts
    order = [entry["name"] for entry in manifest["tables"]]
    assert order.index("organizations") < order.index("awards") < order.index("outbox")
    assert manifest["alembic_revision"] == result.revision


def test_restore_on_a_fresh_sqlite_home_writes_the_secret_and_the_keys_sign(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "credstack.tar.gz"
    backup(source.settings, out)
    target = sqlite_settings(tmp_path / "target")

    result = restore(target, out)

    assert result.secret_file == target.secret_key_path
    assert stat.S_IMODE(target.secret_key_path.stat().st_mode) == 0o600
    assert target.master_secret() == source.settings.master_secret()
    assert result.counts["awards"] == 3
    check_restored(target, source)


@pytest.fixture
def postgres_url(postgres_schemas: Any) -> Iterator[str]:
    # typed loosely: importing the fixture's class from "conftest" is ambiguous when the
    # whole suite runs (tests/interop has a conftest module too)
    schema = postgres_schemas.create("restore")
    yield postgres_schemas.url_for(schema)
    postgres_schemas.drop(schema)


def test_restore_from_sqlite_onto_postgresql(
    source: Source, tmp_path: Path, postgres_url: str
) -> None:
    out = tmp_path / "credstack.tar.gz"
    backup(source.settings, out)
    secret = source.settings.master_secret().decode()
    target = Settings(home=tmp_path / "pg", database_url=postgres_url, secret_key=SecretStr(secret))

    result = restore(target, out)

    assert result.secret_file is None  # the environment holds the secret
    assert not target.secret_key_path.exists()
    check_restored(target, source)
    # And back again: PostgreSQL → SQLite gives the same rows.
    again = tmp_path / "again.tar.gz"
    backup(target, again)
    final = sqlite_settings(tmp_path / "final")
    restore(final, again)
    assert counts(final.effective_database_url) == counts(postgres_url)


def test_restore_refuses_a_database_that_is_not_empty(source: Source, tmp_path: Path) -> None:
    out = tmp_path / "credstack.tar.gz"
    backup(source.settings, out)
    with pytest.raises(
        ConflictError, match="restore needs an empty database; this one has 3 awards"
    ):
        restore(source.settings, out)


def test_a_different_master_secret_in_the_environment_is_refused(
    source: Source, tmp_path: Path
) -> None:
    out = tmp_path / "credstack.tar.gz"
    backup(source.settings, out)
    target = sqlite_settings(tmp_path / "target", secret="some-other-secret")
    with pytest.raises(ConfigurationError, match="unset CREDSTACK_SECRET_KEY"):
        restore(target, out)
    assert not (tmp_path / "target" / "credstack.db").exists()  # refused before touching it


def test_a_tampered_member_is_refused_before_anything_is_loaded(
    source: Source, tmp_path: Path
) -> None:
    out = tmp_path / "credstack.tar.gz"
    backup(source.settings, out)
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(out, "r:gz") as original, tarfile.open(tampered, "w:gz") as copy:
        for info in original.getmembers():
            data = original.extractfile(info).read()  # type: ignore[union-attr]
            if info.name.endswith("-awards.jsonl"):
                data = data.replace(b"learner1@example.org", b"mallory1@example.org")
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
    target = sqlite_settings(tmp_path / "target")

    with pytest.raises(InputError, match=r"awards\.jsonl fails its SHA-256"):
        restore(target, tampered)
    assert not target.secret_key_path.exists()
    assert not (tmp_path / "target" / "credstack.db").exists()


def test_an_archive_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(os.urandom(64))
    with pytest.raises(InputError, match="not a Credstack backup"):
        restore(sqlite_settings(tmp_path / "target"), junk)
