"""A database made by an earlier ``main`` upgrades, and every signed credential survives it.

Each folder in ``tests/fixtures/upgrade/`` was written by ``scripts/make_upgrade_fixture.py``
with the code of one earlier commit (see SOURCES.md there). The database is copied to a
temporary home (SQLite) or loaded into a fresh PostgreSQL schema at the fixture's own
revision, ``credstack init`` upgrades it with the code under test, and then:

* the schema is at this code's head revision;
* every award of the manifest is still stored, its credential JSON and VC-JWT
  byte-identical (same SHA-256), and so is every published status list;
* every credential verifies offline (our own status lists and DID documents through the
  deployment's local registry, nothing fetched), at the fixture's fixed ``verify_at``
  moment so expiry dates never depend on today's clock; revoked awards fail only their
  status check;
* the web app started on the upgraded database serves the credentials byte-identical and
  answers their public pages.

Nothing here names a revision: the fixture says where it starts, ``head_revision()``
where it must end, so later migrations (0003 and on) run through this test unchanged.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from html import escape
from pathlib import Path
from typing import IO, Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select
from sqlalchemy.orm import Session

from cli.cli_runner import run
from credstack.app import create_app
from credstack.core.fetching import MappedFetcher
from credstack.core.report import CheckStatus
from credstack.core.verify import verify
from credstack.services.context import ServiceContext
from credstack.services.operations.backup_rows import TableLoader
from credstack.services.verification.local import local_registry
from credstack.services.verification.verify import VerificationRequest, options_for
from credstack.settings import DATABASE_FILE_NAME, SECRET_FILE_NAME, load_settings
from credstack.store.engine import create_database_engine, session_factory
from credstack.store.migrate import alembic_config, current_revision, head_revision
from credstack.store.models import Award, AwardState, StatusList

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "upgrade"
FIXTURE_NAMES = sorted(path.parent.name for path in FIXTURES.glob("*/manifest.json"))
BROWSER = {"Accept": "text/html,application/xhtml+xml"}
PASS = CheckStatus.PASS


@dataclass(frozen=True)
class UpgradeFixture:
    """One fixture folder and its manifest."""

    folder: Path
    manifest: dict[str, Any]

    def file(self, role: str) -> Path:
        return self.folder / str(self.manifest["files"][role])

    @property
    def revoked(self) -> set[str]:
        awards = self.manifest["awards"]
        return {award_id for award_id, facts in awards.items() if facts["state"] == "revoked"}


def test_there_is_a_fixture_with_revoked_and_jwt_credentials() -> None:
    """The upgrade tests below are parametrised by fixture: none would mean no test at all."""
    assert FIXTURE_NAMES, f"no upgrade fixture in {FIXTURES}"
    for name in FIXTURE_NAMES:
        fixture = load_fixture(name)
        awards = fixture.manifest["awards"]
        assert fixture.revoked and len(fixture.revoked) < len(awards)
        assert any(facts["jwt_sha256"] for facts in awards.values())
        assert all(facts["sha256"] for facts in fixture.manifest["status_lists"].values())


def load_fixture(name: str) -> UpgradeFixture:
    folder = FIXTURES / name
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == 1, f"{folder}: manifest format {manifest['format']} is unknown"
    return UpgradeFixture(folder=folder, manifest=manifest)


@pytest.fixture(params=FIXTURE_NAMES)
def fixture(request: pytest.FixtureRequest) -> UpgradeFixture:
    return load_fixture(request.param)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixture: UpgradeFixture) -> Path:
    """A CREDSTACK_HOME with the fixture's master secret and the base URL it was made under."""
    for name in list(os.environ):
        if name.startswith("CREDSTACK_") and name != "CREDSTACK_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(fixture.file("secret"), home / SECRET_FILE_NAME)
    monkeypatch.setenv("CREDSTACK_HOME", str(home))
    monkeypatch.setenv("CREDSTACK_BASE_URL", fixture.manifest["base_url"])
    return home


def test_a_sqlite_database_of_previous_main_upgrades_and_keeps_every_credential(
    fixture: UpgradeFixture, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copyfile(fixture.file("database"), home / DATABASE_FILE_NAME)
    upgrade_and_check(fixture, capsys)


@pytest.fixture
def postgres_url(
    postgres_schemas: Any, monkeypatch: pytest.MonkeyPatch, home: Path
) -> Iterator[str]:
    """A throw-away PostgreSQL schema, named by CREDSTACK_DATABASE_URL."""
    schema = postgres_schemas.create("upgrade")
    url = str(postgres_schemas.url_for(schema))
    monkeypatch.setenv("CREDSTACK_DATABASE_URL", url)
    yield url
    postgres_schemas.drop(schema)


def test_a_postgresql_database_of_previous_main_upgrades_and_keeps_every_credential(
    fixture: UpgradeFixture, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    load_backup_at_its_revision(postgres_url, fixture)
    upgrade_and_check(fixture, capsys)


def load_backup_at_its_revision(url: str, fixture: UpgradeFixture) -> None:
    """The fixture's ``credstack backup`` archive, in a schema at the fixture's revision.

    ``credstack restore`` only loads into a database at the running code's own revision
    (it reads rows with today's models), which is the head, not the old schema whose
    upgrade is under test. So the schema is migrated only to the archive's revision and
    its rows are inserted with Credstack's portable row codec into the tables as that
    revision made them (reflected from the database), in the archive's order (parents
    first). ``credstack init`` then upgrades real data on PostgreSQL, as in production.
    """
    revision = fixture.manifest["alembic_revision"]
    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
        tables = MetaData()
        tables.reflect(engine)
        with tarfile.open(fixture.file("backup"), mode="r:gz") as archive:
            contents = json.load(member(archive, "manifest.json"))
            assert contents["alembic_revision"] == revision
            with engine.begin() as connection:
                for entry in contents["tables"]:
                    loader = TableLoader(connection, tables.tables[entry["name"]])
                    for line in io.TextIOWrapper(member(archive, entry["member"]), "utf-8"):
                        loader.add(json.loads(line))
                    assert loader.finish() == entry["rows"], entry["name"]
    finally:
        engine.dispose()


def member(archive: tarfile.TarFile, name: str) -> IO[bytes]:
    handle = archive.extractfile(name)
    assert handle is not None, f"{name} missing from the backup archive"
    return handle


def sha256(text: str | bytes | None) -> str | None:
    if text is None:
        return None
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def upgrade_and_check(fixture: UpgradeFixture, capsys: pytest.CaptureFixture[str]) -> None:
    """``credstack init`` on the fixture's data, then every promise of the module docstring."""
    code, out, err = run(capsys, "init", "--json")
    assert code == 0, err
    assert json.loads(out)["migrated"] == (fixture.manifest["alembic_revision"] != head_revision())
    verify_the_issuers_that_were_there(capsys)

    settings = load_settings()
    engine = create_database_engine(settings.effective_database_url)
    try:
        with engine.connect() as connection:
            assert current_revision(connection) == head_revision()
        with session_factory(engine)() as session:
            check_stored_texts(session, fixture)
            # lists signed before they carried validUntil are re-signed when first read:
            # at the fixture's moment here, so that they verify "as of" it
            verify_at = datetime.fromisoformat(fixture.manifest["verify_at"])
            at_fixture_time = replace(
                ServiceContext.from_settings(settings), clock=lambda: verify_at
            )
            check_verification(session, at_fixture_time, fixture)
            session.rollback()
    finally:
        engine.dispose()
    check_web(fixture)


def verify_issuer_lines(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "issuer", *args, "--json")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def verify_the_issuers_that_were_there(capsys: pytest.CaptureFixture[str]) -> None:
    """The documented upgrade step: nothing vouched for the old issuers until the operator does.

    A fixture made before issuer trust existed (``0004_issuer_trust``) has only unverified
    issuers after the upgrade; ``issuer verify --all`` vouches for them all.
    """
    before = verify_issuer_lines(capsys, "list")
    assert before
    if all(not row["verified"] for row in before):
        verified = verify_issuer_lines(capsys, "verify", "--all")
        assert {row["slug"] for row in verified} == {row["slug"] for row in before}
    assert all(row["verified"] for row in verify_issuer_lines(capsys, "list"))


def check_stored_texts(session: Session, fixture: UpgradeFixture) -> None:
    """The very bytes that were signed, for every award and every published status list."""
    awards = {award.id: award for award in session.scalars(select(Award))}
    stored = {
        award.id: {
            "state": award.state.value,
            "credential_sha256": sha256(award.credential),
            "jwt_sha256": sha256(award.jwt),
        }
        for award in awards.values()
    }
    assert stored == fixture.manifest["awards"]
    lists = {
        status_list.id: {
            "revision": status_list.revision,
            "sha256": sha256(status_list.published_credential),
        }
        for status_list in session.scalars(select(StatusList))
    }
    assert lists == fixture.manifest["status_lists"]


def check_verification(session: Session, ctx: ServiceContext, fixture: UpgradeFixture) -> None:
    """Each JSON and JWT passes every check at ``verify_at``; revoked ones fail ``status``.

    Offline (nothing is fetched: the issuers are did:key, the lists and DID documents
    come from the upgraded database), as the recipient's e-mail address, against this
    deployment's registered issuers: so the issuers, their keys, the recipients and the
    status lists all came through the upgrade, not just the credential texts.
    """
    verify_at = datetime.fromisoformat(fixture.manifest["verify_at"])
    request = VerificationRequest(inputs=[], registry=local_registry(session, ctx))
    offline = options_for(request, now=verify_at, fetch=MappedFetcher({}))
    outcomes: dict[str, tuple[bool, dict[str, str]]] = {}
    expected: dict[str, tuple[bool, dict[str, str]]] = {}
    for award in session.scalars(select(Award)):
        options = replace(offline, recipient=award.recipient_email)
        forms = {f"{award.id}.json": award.credential}
        if award.jwt is not None:
            forms[f"{award.id}.jwt"] = award.jwt
        revoked = award.state is AwardState.REVOKED
        for name, text in forms.items():
            report = verify(text, input_name=name, options=options)
            not_passed = {c.id: c.status.value for c in report.checks if c.status is not PASS}
            outcomes[name] = (report.verified, not_passed)
            expected[name] = (False, {"status": "fail"}) if revoked else (True, {})
    assert outcomes == expected
    failed_awards = {name.rsplit(".", 1)[0] for name, (ok, _) in outcomes.items() if not ok}
    assert failed_awards == fixture.revoked


def check_web(fixture: UpgradeFixture) -> None:
    """The app on the upgraded database serves the signed bytes and the public pages."""
    settings = load_settings()
    engine = create_database_engine(settings.effective_database_url)
    try:
        with session_factory(engine)() as session:
            awards = {award.id: award for award in session.scalars(select(Award))}
            stored_bits = {
                status_list.id: json.loads(status_list.published_credential or "{}")
                .get("credentialSubject", {})
                .get("encodedList")
                for status_list in session.scalars(select(StatusList))
            }
        with TestClient(create_app(settings, engine=engine)) as client:
            for award_id, facts in fixture.manifest["awards"].items():
                served = client.get(f"/credentials/{award_id}.json")
                assert served.status_code == 200, award_id
                assert sha256(served.content) == facts["credential_sha256"], award_id
            for list_id in fixture.manifest["status_lists"]:
                # a list signed before lists carried validUntil is re-signed on first read
                # (docs/status-lists.md): the same bits, now with a lifetime
                served = client.get(f"/status/{list_id}")
                assert served.status_code == 200, list_id
                listed = served.json()
                assert "validUntil" in listed, list_id
                assert listed["credentialSubject"]["encodedList"] == stored_bits[list_id], list_id
            accepted = next(a for a in awards.values() if a.state is AwardState.ACCEPTED)
            for award in [accepted, *(awards[award_id] for award_id in sorted(fixture.revoked))]:
                page = client.get(f"/credentials/{award.id}", headers=BROWSER)
                assert page.status_code == 200, award.id
                assert page.headers["content-type"].startswith("text/html")
                assert escape(award.recipient_name) in page.text
                revoked = award.state is AwardState.REVOKED
                assert ("<strong>Revoked.</strong>" in page.text) is revoked, award.id
    finally:
        engine.dispose()
