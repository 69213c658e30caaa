"""Bulk CSV uploads as background jobs: progress, counts and row errors readable meanwhile.

Each job runs ``services.issuing.bulk.issue_csv`` in its own thread with its own database
session, committing after every batch, so awards already issued survive a crash and a
re-upload continues where it stopped (rows are idempotent).

The job is kept in memory (read at once, no database round trip while a page refreshes)
and in the ``bulk_jobs`` table, written when it starts, after every batch and when it
ends: another worker process, or this one after a restart, reads it from there. A job
the table says is running but that has not moved for :data:`STALE_AFTER` is reported as
``interrupted`` (its process stopped); uploading the file again finishes it.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from credstack.core.errors import CredstackError
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


class BulkJobs:
    """The jobs of one app: create, launch and read them (thread-safe)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._jobs: dict[str, BulkJob] = {}
        self._lock = threading.Lock()

    def create(self, *, organization_id: str, achievement_id: str) -> BulkJob:
        """Register a queued job (readable at once); :meth:`launch` runs it."""
        job = BulkJob(str(uuid.uuid4()), organization_id, achievement_id)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_JOBS:
                oldest = next(iter(self._jobs))
                if not self._jobs[oldest].finished.is_set():
                    break
                del self._jobs[oldest]
        return job

    def launch(
        self, job: BulkJob, ctx: ServiceContext, csv_path: Path, skip_invalid: bool
    ) -> threading.Thread:
        """Run the job in its own thread; ``csv_path`` is deleted when it ends.

        Call it after the request that made the job has committed (a background task),
        so the job never races the request for its rows.
        """
        thread = threading.Thread(
            target=self._run,
            args=(job, ctx, csv_path, skip_invalid),
            name=f"bulk-{job.id}",
            daemon=True,
        )
        thread.start()
        return thread

    def get(self, job_id: str) -> BulkJob | None:
        """The job from memory, else from the table (another process's, or before a restart)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            return job
        session = self._sessions()
        try:
            record = session.get(BulkJobRecord, job_id)
            return None if record is None else _from_record(record, datetime.now(UTC))
        finally:
            session.close()

    def _run(self, job: BulkJob, ctx: ServiceContext, path: Path, skip_invalid: bool) -> None:
        session = self._sessions()
        record = BulkJobRecord(
            id=job.id, organization_id=job.organization_id, achievement_id=job.achievement_id,
            state="running", rows_done=0, rows_total=0, issued=0, skipped=0, invalid=0,
            errors=[], created_at=ctx.now(), updated_at=ctx.now(),
        )  # fmt: skip

        def progress(done: int, total: int) -> None:
            job.rows_done, job.rows_total = done, total
            record.rows_done, record.rows_total, record.updated_at = done, total, ctx.now()
            session.commit()

        try:
            session.add(record)
            session.commit()
            job.state = "running"
            summary = issue_csv(
                session, ctx, job.achievement_id, path, skip_invalid=skip_invalid,
                progress=progress, checkpoint=session.commit, workers=1,
            )  # fmt: skip
            job.issued, job.skipped, job.invalid = summary.issued, summary.skipped, summary.invalid
            job.errors = [
                {"line": p.line, "column": p.column, "message": p.message} for p in summary.problems
            ]
            job.state = "done"
        except CredstackError as exc:
            job.state, job.error = "failed", exc.message
        except Exception as exc:  # a job thread must always end in a readable state
            job.state, job.error = "failed", f"the job stopped unexpectedly: {exc}"
        finally:
            try:
                session.rollback()  # whatever the failure left half-done
                _save_final(session, ctx, job)
            finally:
                session.close()
                path.unlink(missing_ok=True)
                job.finished.set()


def _save_final(session: Session, ctx: ServiceContext, job: BulkJob) -> None:
    """Write the job's end state to its row (best effort: memory already has it)."""
    record = session.get(BulkJobRecord, job.id)
    if record is None:
        return
    record.state, record.error, record.errors = job.state, job.error, list(job.errors)
    record.rows_done, record.rows_total = job.rows_done, job.rows_total
    record.issued, record.skipped, record.invalid = job.issued, job.skipped, job.invalid
    record.updated_at = ctx.now()
    session.commit()


def _from_record(record: BulkJobRecord, now: datetime) -> BulkJob:
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
