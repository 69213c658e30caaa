"""Make an upgrade fixture: a database made by THIS checkout, for the tests of later ones.

Why: a release must open the databases the previous release wrote, and never change a
credential that was signed. ``tests/store/test_upgrade_from_previous_main.py`` copies each
fixture made here, runs ``credstack init`` (the upgrade) with the code under test, and
checks that every stored credential is still byte-identical and still verifies.

Run it with the checkout's own environment, so the data is what that code writes::

    .venv/bin/python scripts/make_upgrade_fixture.py            # tests/fixtures/upgrade/main-<sha>

It builds a fresh CREDSTACK_HOME (SQLite) in a temporary folder: ``credstack init``, the
demo of ``credstack serve --demo`` (seeded without a server), then through the CLI an
award with evidence, narrative, result and expiry, a small ``award bulk``, an ``award
correct`` (a revocation plus a replacement that names it), and VC-JWTs for a few awards;
every status list is published (signed and stored). The fixture folder gets:

* ``credstack.db``: the SQLite database (one file, no WAL);
* ``secret.key``: the master secret that unseals the signing keys in it (test data only);
* ``backup.tar.gz``: ``credstack backup`` of the same data, for loading into PostgreSQL;
* ``manifest.json``: the SHA-256 of every stored credential text (awards' JSON and JWT,
  published status lists), the award states, the Alembic revision, the source commit,
  the base URL the credentials name and a fixed moment at which all of them are valid.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "tests" / "fixtures" / "upgrade"
#: the default public base URL: an http base URL gives did:key issuers, which verify offline
BASE_URL = "http://127.0.0.1:8000"
#: layout version of manifest.json (the test reads this)
MANIFEST_FORMAT = 1
DATABASE = "credstack.db"
SECRET = "secret.key"
BACKUP = "backup.tar.gz"
MANIFEST = "manifest.json"
#: rows of the small ``award bulk`` (every optional column filled in)
BULK_ROWS = 5


class FixtureError(Exception):
    """A reason the fixture cannot be made honestly; printed as one line."""


def git(*args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(REPO_ROOT), *args], check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def source_commit() -> str:
    """The commit whose code makes the data; refused when ``src/`` has local changes."""
    if git("status", "--porcelain", "--", "src"):
        raise FixtureError(
            "src/ has uncommitted changes: commit or stash them, so the fixture is made by "
            "exactly the commit its manifest names"
        )
    return git("rev-parse", "HEAD")


def check_imported_code() -> None:
    """The ``credstack`` package in use must be this checkout's, not another install."""
    import credstack

    expected = (REPO_ROOT / "src" / "credstack").resolve()
    found = Path(credstack.__file__).resolve().parent
    if found != expected:
        raise FixtureError(
            f"credstack is imported from {found}, not from this checkout ({expected}); "
            "run the script with the checkout's own environment (.venv/bin/python)"
        )


def isolate_environment(home: Path) -> dict[str, str]:
    """Only our CREDSTACK_* settings, here and for the CLI subprocesses."""
    for name in [n for n in os.environ if n.startswith("CREDSTACK_")]:
        del os.environ[name]
    os.environ["CREDSTACK_HOME"] = str(home)
    os.environ["CREDSTACK_BASE_URL"] = BASE_URL
    return dict(os.environ)


def credstack(env: dict[str, str], *args: str) -> str:
    """Run ``credstack ARGS`` as a user would (a new process); its stdout."""
    result = subprocess.run(
        [sys.executable, "-m", "credstack", *args], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise FixtureError(f"credstack {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def credstack_json(env: dict[str, str], *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(credstack(env, *args, "--json"))
    return data


def seed_demo() -> tuple[list[str], list[str]]:
    """The ``serve --demo`` data, seeded through the services; (achievement ids, award ids)."""
    from credstack.services.context import ServiceContext
    from credstack.services.operations.demo import seed_demo as seed
    from credstack.settings import load_settings
    from credstack.store.engine import create_database_engine, session_factory, session_scope

    settings = load_settings()
    engine = create_database_engine(settings.effective_database_url)
    try:
        with session_scope(session_factory(engine)) as session:
            demo = seed(session, ServiceContext.from_settings(settings, actor="demo"))
    finally:
        engine.dispose()
    return list(demo.achievement_ids), list(demo.award_ids)


def write_bulk_csv(path: Path) -> Path:
    """A few rows with every optional column, the way an issuer's export looks."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "name", "external_id", "evidence", "narrative", "result"])
        for n in range(1, BULK_ROWS + 1):
            writer.writerow(
                [
                    f"bulk{n}@learner.example",
                    f"Bulk Learner {n}",
                    f"UPG-{n:03d}",
                    f"https://portfolio.learner.example/bulk{n}",
                    f"Delivered capstone project {n}.",
                    f"{5 + n}/10",
                ]
            )
    return path


def issue_extras(env: dict[str, str], scratch: Path, achievement_ids: Sequence[str]) -> list[str]:
    """Shapes the demo lacks, issued through the CLI; the award ids to export as JWT."""
    if len(achievement_ids) < 2:
        raise FixtureError("the demo made fewer than two micro-credentials; nothing to add to")
    expires = (datetime.now(UTC) + timedelta(days=3 * 365)).replace(microsecond=0)
    single = credstack_json(
        env,
        *("award", "create", "--achievement", achievement_ids[0]),
        *("--email", "evidence@learner.example", "--name", "Evi Dence"),
        *("--external-id", "UPG-EVIDENCE", "--evidence", "https://portfolio.learner.example/e"),
        *("--narrative", "Presented the final project to the board.", "--result", "A"),
        *("--expires", expires.isoformat()),
    )
    bulk = credstack_json(
        env, "award", "bulk", "--achievement", achievement_ids[1],
        str(write_bulk_csv(scratch / "bulk.csv")),
    )  # fmt: skip
    if bulk["issued"] != BULK_ROWS:
        raise FixtureError(f"award bulk issued {bulk['issued']} of {BULK_ROWS} rows: {bulk}")
    rows = credstack(env, "award", "list", "--achievement", achievement_ids[1], "--json")
    bulk_ids = [
        row["id"]
        for row in map(json.loads, rows.splitlines())
        if str(row["recipient"]).startswith("bulk")
    ]
    if len(bulk_ids) != BULK_ROWS:
        raise FixtureError(f"award list shows {len(bulk_ids)} bulk awards, not {BULK_ROWS}")
    corrected = credstack_json(
        env, "award", "correct", sorted(bulk_ids)[0], "--name", "Bulk Learner One"
    )
    return [str(single["id"]), str(corrected["id"])]


def publish_status_lists() -> int:
    """Sign and store every status list, as the first verifier's request would."""
    from credstack.services.revocation.status_lists import status_list_document
    from sqlalchemy import select

    from credstack.services.context import ServiceContext
    from credstack.settings import load_settings
    from credstack.store.engine import create_database_engine, session_factory, session_scope
    from credstack.store.models import StatusList

    settings = load_settings()
    engine = create_database_engine(settings.effective_database_url)
    try:
        with session_scope(session_factory(engine)) as session:
            ctx = ServiceContext.from_settings(settings)
            list_ids = list(session.scalars(select(StatusList.id)))
            for list_id in list_ids:
                status_list_document(session, ctx, list_id)
    finally:
        engine.dispose()
    return len(list_ids)


def compact(database: Path) -> None:
    """One self-contained, small file: WAL folded in, journal mode DELETE, vacuumed."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("VACUUM")
    finally:
        connection.close()


def sha256(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_manifest_facts(database: Path) -> dict[str, Any]:
    """Revision, awards and status lists straight from the file (plain SQL, no models)."""
    connection = sqlite3.connect(database)
    try:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        awards = {
            award_id: {
                "state": state,
                "credential_sha256": sha256(credential),
                "jwt_sha256": sha256(jwt),
            }
            for award_id, state, credential, jwt in connection.execute(
                "SELECT id, state, credential, jwt FROM awards ORDER BY id"
            )
        }
        lists = {
            list_id: {"revision": revision_number, "sha256": sha256(published)}
            for list_id, revision_number, published in connection.execute(
                "SELECT id, revision, published_credential FROM status_lists ORDER BY id"
            )
        }
    finally:
        connection.close()
    return {"alembic_revision": revision, "awards": awards, "status_lists": lists}


def make_fixture(name: str | None, out_root: Path, force: bool) -> Path:
    check_imported_code()
    commit = source_commit()
    target = out_root / (name or f"main-{commit[:7]}")
    if target.exists() and not force:
        raise FixtureError(f"{target} exists; pass --force to replace it")
    from credstack import __version__

    with tempfile.TemporaryDirectory(prefix="credstack-upgrade-fixture-") as scratch_dir:
        scratch = Path(scratch_dir)
        home = scratch / "home"
        env = isolate_environment(home)
        credstack(env, "init")
        achievement_ids, _ = seed_demo()
        jwt_ids = issue_extras(env, scratch, achievement_ids)
        listed = map(json.loads, credstack(env, "award", "list", "--json").splitlines())
        jwt_ids.append(next(str(row["id"]) for row in listed if row["state"] == "accepted"))
        credstack(env, "award", "export", *jwt_ids, "--format", "jwt", "--dir", str(scratch))
        lists = publish_status_lists()
        credstack(env, "backup", str(scratch / BACKUP))
        compact(home / DATABASE)
        # every credential above was signed before this moment and expires after it
        verify_at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
        facts = read_manifest_facts(home / DATABASE)
        manifest = {
            "format": MANIFEST_FORMAT,
            "name": target.name,
            "source_commit": commit,
            "credstack_version": __version__,
            "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "verify_at": verify_at.isoformat(),
            "base_url": BASE_URL,
            "files": {"database": DATABASE, "secret": SECRET, "backup": BACKUP},
            **facts,
        }
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copyfile(home / DATABASE, target / DATABASE)
        shutil.copyfile(home / SECRET, target / SECRET)
        shutil.copyfile(scratch / BACKUP, target / BACKUP)
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        (target / MANIFEST).write_text(text, encoding="utf-8")
    size = sum(path.stat().st_size for path in target.iterdir())
    print(
        f"Wrote {target}: {len(facts['awards'])} awards, {lists} status lists, "
        f"schema {facts['alembic_revision']}, {size / 1024:.0f} KiB"
    )
    return target


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Make tests/fixtures/upgrade/<name>/ from this checkout's code: a SQLite "
        "database with the demo and extra awards, its master secret, a backup archive and a "
        "manifest of the SHA-256 of every stored credential. Run it with the checkout's own "
        "environment (.venv/bin/python); src/ must be committed."
    )
    parser.add_argument(
        "--name", help="fixture folder name (default: main-<short commit id>)", default=None
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"folder holding the fixtures (default: {DEFAULT_OUT.relative_to(REPO_ROOT)})",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing fixture folder")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        make_fixture(args.name, args.out, args.force)
    except FixtureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
