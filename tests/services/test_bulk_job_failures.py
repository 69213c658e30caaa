"""Bulk jobs end in a readable state with exact counts, and a new server cleans up after a dead one.

Runs on SQLite and (with ``CREDSTACK_TEST_DATABASE_URL``) PostgreSQL through ``db``.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import award_fixtures
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from credstack.services.achievements import lifecycle as achievements
from credstack.services.context import ServiceContext
from credstack.services.issuing.bulk_jobs import (
    INTERRUPTED,
    JOB_BATCH_SIZE,
    BulkJobs,
    fail,
    record_start,
    recover,
    run_job,
    save_end,
    this_worker,
    upload_folder,
)
from credstack.store.models import Award, BulkJobRecord
from credstack.workers.bulk_jobs import ThreadedJobRunner

#: fixtures
ctx = award_fixtures.ctx
achievement_id = award_fixtures.achievement_id
EXAMPLE = award_fixtures.EXAMPLE


def _csv(folder: Path, rows: int, name: str = "upload.csv") -> Path:
    path = upload_folder(folder) / name
    lines = ["email,name,external_id"] + [
        f"l{n}@example.org,Learner {n},S-{n}" for n in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _awards(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Award)) or 0


def test_a_job_whose_second_batch_cannot_commit_counts_exactly_the_first(
    db: Session, sessions: sessionmaker[Session], ctx: ServiceContext, achievement_id: str
) -> None:
    """The database refusing a commit (disk full, say) midway: the counts are the truth."""
    rows = JOB_BATCH_SIZE + 50
    path = _csv(ctx.home, rows)
    jobs = BulkJobs(sessions)
    job = jobs.create(
        organization_id=_organization(db, achievement_id), achievement_id=achievement_id
    )
    record = record_start(db, ctx, job)
    db.commit()
    commits = 0

    def commit_until_the_disk_is_full() -> None:
        nonlocal commits
        commits += 1
        if commits == 3:  # 1: before validating, 2: the first batch, 3: the second
            raise OperationalError("COMMIT", {}, Exception("database or disk is full"))
        db.commit()

    try:
        run_job(db, ctx, job, record, path, False, checkpoint=commit_until_the_disk_is_full)
    except OperationalError as exc:
        fail(job, f"the job stopped unexpectedly: {exc}")
    db.rollback()
    save_end(sessions, ctx, job)

    assert _awards(db) == JOB_BATCH_SIZE
    assert (job.state, job.issued, job.rows_done, job.rows_total) == (
        "failed", JOB_BATCH_SIZE, JOB_BATCH_SIZE, rows,
    )  # fmt: skip
    stored = db.get(BulkJobRecord, job.id)
    assert stored is not None
    db.refresh(stored)
    assert (stored.state, stored.issued, stored.rows_done) == (
        "failed",
        JOB_BATCH_SIZE,
        JOB_BATCH_SIZE,
    )
    assert "disk is full" in (stored.error or "")


def test_a_job_that_cannot_run_ends_failed_with_the_reason_and_its_file_deleted(
    db: Session, sessions: sessionmaker[Session], ctx: ServiceContext, achievement_id: str
) -> None:
    published = achievements.get(db, achievement_id)
    draft = achievements.create_achievement(
        db, ctx, issuer_slug=_slug(db, achievement_id), definition=EXAMPLE.read_text("utf-8")
    )
    db.commit()
    path = _csv(ctx.home, 3)
    jobs = BulkJobs(sessions, runner=ThreadedJobRunner(sessions))
    job = jobs.create(organization_id=published.organization_id, achievement_id=draft.id)

    jobs.launch(job, ctx, path, skip_invalid=False)
    assert job.finished.wait(60)

    assert job.state == "failed" and "only a published version can be awarded" in (job.error or "")
    assert not path.exists() and list(path.parent.iterdir()) == []
    stored = db.get(BulkJobRecord, job.id)
    assert stored is not None
    db.refresh(stored)
    assert (stored.state, stored.error) == ("failed", job.error)


def test_a_new_server_interrupts_the_jobs_of_dead_processes_and_deletes_orphaned_uploads(
    db: Session, ctx: ServiceContext, achievement_id: str
) -> None:
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    at_now = dataclasses.replace(ctx, clock=lambda: now)
    organization = _organization(db, achievement_id)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    host = this_worker().rpartition("/")[0]
    rows = {
        "dead-here": (f"{host}/{dead.stdout.strip()}", now, "running"),
        "alive-elsewhere": ("other-host/42", now - timedelta(minutes=2), "running"),
        "stale-elsewhere": ("other-host/43", now - timedelta(hours=1), "running"),
        "alive-here": (f"{host}/{os.getppid()}", now, "running"),
        "finished": (this_worker(), now, "done"),
    }
    ids = {name: f"00000000-0000-4000-8000-00000000000{n}" for n, name in enumerate(rows)}
    for name, (worker, updated, state) in rows.items():
        db.add(BulkJobRecord(
            id=ids[name], organization_id=organization, achievement_id=achievement_id,
            state=state, rows_done=0, rows_total=10, issued=0, skipped=0, invalid=0,
            errors=[], created_at=now - timedelta(hours=2), updated_at=updated, worker=worker,
        ))  # fmt: skip
    db.flush()
    folder = upload_folder(ctx.home)
    for name in rows:
        (folder / f"{ids[name]}.csv").write_text("email,name\n", encoding="utf-8")
    for name, age in (("tmp-old.csv", timedelta(hours=2)), ("tmp-new.csv", timedelta(minutes=5))):
        (folder / name).write_text("email,name\n", encoding="utf-8")
        moment = (now - age).timestamp()
        os.utime(folder / name, (moment, moment))

    found = recover(db, at_now)

    interrupted = {name for name in rows if ids[name] in found.interrupted}
    assert interrupted == {"dead-here", "stale-elsewhere"}
    states = {name: db.get(BulkJobRecord, ids[name]) for name in rows}
    assert {name: record.state for name, record in states.items() if record} == {
        "dead-here": "interrupted", "alive-elsewhere": "running",
        "stale-elsewhere": "interrupted", "alive-here": "running", "finished": "done",
    }  # fmt: skip
    assert states["dead-here"] is not None and states["dead-here"].error == INTERRUPTED
    left = sorted(path.name for path in folder.iterdir())
    assert left == sorted(
        [f"{ids['alive-elsewhere']}.csv", f"{ids['alive-here']}.csv", "tmp-new.csv"]
    )


def _organization(db: Session, achievement_id: str) -> str:
    return achievements.get(db, achievement_id).organization_id


def _slug(db: Session, achievement_id: str) -> str:
    from credstack.store.models import Organization

    organization = db.get(Organization, _organization(db, achievement_id))
    assert organization is not None
    return organization.slug
