"""Bulk CSV uploads as background jobs: a job's state, its table row, and the app's registry.

A job runs ``services.issuing.bulk.issue_csv`` outside the request that uploaded the file;
``credstack.workers.bulk_jobs`` runs it in a thread with its own session and commits after
every batch, so awards already issued survive a crash and a re-upload continues where it
stopped (rows are idempotent). This module holds what does not depend on how a job is
run: the job's readable state, the per-job steps the worker calls on its session (which
only flush, never commit), and the registry the API and the web pages share.

The job is kept in memory (read at once, no database round trip while a page refreshes)
and in the ``bulk_jobs`` table, written when it starts, after every batch and when it
ends: another worker process, or this one after a restart, reads it from there. A job
the table says is running but that has not moved for :data:`STALE_AFTER` is reported as
``interrupted`` (its process stopped); uploading the file again finishes it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from credstack.core.errors import ConfigurationError, NotFoundError
from credstack.services.accounts import authz
from credstack.services.accounts.authz import Action
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.services.issuing.bulk import issue_csv
from credstack.store.models import BulkJobRecord

#: finished jobs kept in memory; older ones are read from the table
MAX_JOBS = 1_000
#: a running job whose row has not changed for this long has lost its process
STALE_AFTER = timedelta(minutes=10)
INTERRUPTED = (
    "the server stopped while this job ran; upload the same file again "
    "(rows issued before are skipped)"
)


@dataclass
class BulkJob:
    """The readable state of one upload (``state``: queued, running, done, failed)."""

    id: str
    organization_id: str
    achievement_id: str
    state: str = "queued"
    rows_done: int = 0
    rows_total: int = 0
    issued: int = 0
    skipped: int = 0
    invalid: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event, repr=False)
    #: who uploaded the file; the job issues as them (``None``: see ``issue_csv``)
    principal: Principal | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "achievement_id": self.achievement_id,
            "state": self.state,
            "progress": {"done": self.rows_done, "total": self.rows_total},
            "issued": self.issued,
            "skipped": self.skipped,
            "invalid": self.invalid,
            "errors": list(self.errors),
            "error": self.error,
        }


#: starts a job's work outside the request: ``runner(job, ctx, csv_path, skip_invalid)``
JobRunner = Callable[[BulkJob, ServiceContext, Path, bool], None]


class BulkJobs:
    """The jobs of one app: create, launch and read them (thread-safe).

    ``runner`` is the worker that runs a launched job (``credstack.workers.bulk_jobs``,
    wired by ``credstack.app``); a registry without one can still create and read jobs.
    ``sessions`` opens a short read-only session to find a job in the table when it is
    not in memory (another process's job, or one from before a restart).
    """

    def __init__(self, sessions: sessionmaker[Session], runner: JobRunner | None = None) -> None:
        self._sessions = sessions
        self._runner = runner
        self._jobs: dict[str, BulkJob] = {}
        self._lock = threading.Lock()

    def create(
        self, *, organization_id: str, achievement_id: str, principal: Principal | None = None
    ) -> BulkJob:
        """Register a queued job (readable at once); :meth:`launch` runs it."""
        job = BulkJob(str(uuid.uuid4()), organization_id, achievement_id, principal=principal)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS:
                oldest = next(iter(self._jobs))
                if not self._jobs[oldest].finished.is_set():
                    break
                del self._jobs[oldest]
        return job

    def launch(self, job: BulkJob, ctx: ServiceContext, csv_path: Path, skip_invalid: bool) -> None:
        """Hand the job to the worker; ``csv_path`` is deleted when the job ends.

        Call it after the request that made the job has committed (a background task),
        so the job never races the request for its rows.
        """
        if self._runner is None:
            raise ConfigurationError(
                "this app has no worker for bulk jobs: build it with credstack.app.create_app"
            )
        self._runner(job, ctx, csv_path, skip_invalid)

    def get(self, job_id: str) -> BulkJob | None:
        """The job from memory, else from the table (another process's, or before a restart)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            return job
        session = self._sessions()
        try:
            record = session.get(BulkJobRecord, job_id)
            return None if record is None else job_from_record(record, datetime.now(UTC))
        finally:
            session.close()

    def job_for(self, session: Session, principal: Principal, job_id: str) -> BulkJob:
        """The job, once ``principal`` may view its organisation (others' jobs: 404)."""
        missing = NotFoundError(
            f"no job with id {job_id!r} (jobs are kept in memory until the server restarts)"
        )
        job = self.get(job_id)
        if job is None:
            raise missing
        authz.require_on(session, principal, job.organization_id, Action.VIEW, missing)
        return job


def record_start(session: Session, ctx: ServiceContext, job: BulkJob) -> BulkJobRecord:
    """Add the job's row, state ``running`` (the worker commits it before any award)."""
    record = BulkJobRecord(
        id=job.id, organization_id=job.organization_id, achievement_id=job.achievement_id,
        state="running", rows_done=0, rows_total=0, issued=0, skipped=0, invalid=0,
        errors=[], created_at=ctx.now(), updated_at=ctx.now(),
    )  # fmt: skip
    session.add(record)
    job.state = "running"
    return record


def record_progress(
    record: BulkJobRecord, ctx: ServiceContext, job: BulkJob, done: int, total: int
) -> None:
    """Rows done so far, in memory and in the row (committed with the batch)."""
    job.rows_done, job.rows_total = done, total
    record.rows_done, record.rows_total, record.updated_at = done, total, ctx.now()


def run_job(
    session: Session,
    ctx: ServiceContext,
    job: BulkJob,
    path: Path,
    skip_invalid: bool,
    *,
    progress: Callable[[int, int], None],
    checkpoint: Callable[[], None],
) -> None:
    """Issue the file as the job's principal; the job ends ``done`` with its counts.

    ``checkpoint`` is the worker's commit after every batch; errors propagate to it.
    """
    summary = issue_csv(
        session, ctx, job.achievement_id, path, principal=job.principal,
        skip_invalid=skip_invalid, progress=progress, checkpoint=checkpoint, workers=1,
    )  # fmt: skip
    job.issued, job.skipped, job.invalid = summary.issued, summary.skipped, summary.invalid
    job.errors = [
        {"line": p.line, "column": p.column, "message": p.message} for p in summary.problems
    ]
    job.state = "done"


def fail(job: BulkJob, message: str) -> None:
    """End the job ``failed``, saying why (a job must always end in a readable state)."""
    job.state, job.error = "failed", message


def record_end(session: Session, ctx: ServiceContext, job: BulkJob) -> None:
    """Write the job's end state to its row, if the row exists (memory already has it)."""
    record = session.get(BulkJobRecord, job.id)
    if record is None:
        return
    record.state, record.error, record.errors = job.state, job.error, list(job.errors)
    record.rows_done, record.rows_total = job.rows_done, job.rows_total
    record.issued, record.skipped, record.invalid = job.issued, job.skipped, job.invalid
    record.updated_at = ctx.now()


def job_from_record(record: BulkJobRecord, now: datetime) -> BulkJob:
    """The job a row describes; ``interrupted`` if it says running but stopped moving."""
    job = BulkJob(
        record.id, record.organization_id, record.achievement_id, state=record.state,
        rows_done=record.rows_done, rows_total=record.rows_total, issued=record.issued,
        skipped=record.skipped, invalid=record.invalid, errors=list(record.errors),
        error=record.error,
    )  # fmt: skip
    if job.state in ("queued", "running"):
        if now - record.updated_at < STALE_AFTER:
            return job  # still running in another process
        job.state, job.error = "interrupted", INTERRUPTED
    job.finished.set()
    return job
