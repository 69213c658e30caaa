"""The bulk job worker owns its transaction: a failed job ends readable, its row committed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from credstack.core.errors import ConfigurationError
from credstack.services.accounts.users import Principal
from credstack.services.achievements import lifecycle as achievements
from credstack.services.context import ServiceContext
from credstack.services.issuers.profiles import create_issuer
from credstack.services.issuing.bulk_jobs import BulkJobs
from credstack.services.operations.database import upgrade_database
from credstack.settings import load_settings
from credstack.store.engine import create_database_engine, session_factory
from credstack.store.models import BulkJobRecord
from credstack.workers.bulk_jobs import ThreadedJobRunner

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"


def _draft(tmp_path: Path) -> tuple[Engine, ServiceContext, str, str]:
    """A file database with an issuer and an unpublished achievement (which cannot be awarded)."""
    settings = load_settings(home=tmp_path / "home", base_url="http://127.0.0.1:8123")
    upgrade_database(settings)
    engine = create_database_engine(settings.effective_database_url)
    ctx = ServiceContext.from_settings(settings)
    with session_factory(engine)() as session:
        org = create_issuer(
            session, ctx, name="Acme", type="company", url="https://acme.example", country="DE"
        )
        draft = achievements.create_achievement(
            session, ctx, issuer_slug=org.slug, definition=EXAMPLE.read_text(encoding="utf-8"),
            principal=Principal.operator(),
        )  # fmt: skip
        session.commit()
        return engine, ctx, org.id, draft.id


def test_a_job_that_fails_ends_failed_in_memory_and_in_its_row(tmp_path: Path) -> None:
    engine, ctx, organization_id, draft_id = _draft(tmp_path)
    sessions = session_factory(engine)
    jobs = BulkJobs(sessions, runner=ThreadedJobRunner(sessions))
    csv_path = tmp_path / "awards.csv"
    csv_path.write_text("email,name\nada@example.org,Ada\n", encoding="utf-8")
    try:
        job = jobs.create(
            organization_id=organization_id,
            achievement_id=draft_id,
            principal=Principal.operator(),
        )
        jobs.launch(job, ctx, csv_path, False)
        assert job.finished.wait(60)
        assert job.state == "failed" and job.error is not None and "only a published" in job.error
        assert not csv_path.exists()
        with sessions() as session:
            record = session.get(BulkJobRecord, job.id)
            assert record is not None
            assert (record.state, record.error) == ("failed", job.error)
    finally:
        engine.dispose()


def test_a_registry_without_a_worker_reads_jobs_but_cannot_run_them(tmp_path: Path) -> None:
    engine, ctx, organization_id, draft_id = _draft(tmp_path)
    try:
        jobs = BulkJobs(session_factory(engine))
        job = jobs.create(organization_id=organization_id, achievement_id=draft_id)
        assert jobs.get(job.id) is job
        with pytest.raises(ConfigurationError, match="no worker"):
            jobs.launch(job, ctx, tmp_path / "never-read.csv", False)
    finally:
        engine.dispose()
