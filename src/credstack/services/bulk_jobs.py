"""Bulk CSV uploads as background jobs: progress, counts and row errors readable meanwhile.

Each job runs ``services.bulk.issue_csv`` in its own thread with its own database
session, committing after every batch, so awards already issued survive a crash and a
re-upload continues where it stopped (rows are idempotent).

Trade-off: job state lives in this process's memory, not in a table. It needs no
migration and no polling of the database, but a restart forgets running and finished
jobs (the awards themselves are in the database), and with several worker processes a
client must be routed back to the process that accepted the upload. A ``bulk_jobs``
table would remove both limits; it is the next step when running more than one worker.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from credstack.core.errors import CredstackError
from credstack.services.bulk import issue_csv
from credstack.services.context import ServiceContext

#: finished jobs kept for reading; the oldest are forgotten first
MAX_JOBS = 1_000


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
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: BulkJob, ctx: ServiceContext, path: Path, skip_invalid: bool) -> None:
        session = self._sessions()
        job.state = "running"

        def progress(done: int, total: int) -> None:
            job.rows_done, job.rows_total = done, total

        try:
            summary = issue_csv(
                session, ctx, job.achievement_id, path, skip_invalid=skip_invalid,
                progress=progress, checkpoint=session.commit, workers=1,
            )  # fmt: skip
            session.commit()
            job.issued, job.skipped, job.invalid = summary.issued, summary.skipped, summary.invalid
            job.errors = [
                {"line": p.line, "column": p.column, "message": p.message} for p in summary.problems
            ]
            job.state = "done"
        except CredstackError as exc:
            session.rollback()
            job.state, job.error = "failed", exc.message
        except Exception as exc:  # a job thread must always end in a readable state
            session.rollback()
            job.state, job.error = "failed", f"the job stopped unexpectedly: {exc}"
        finally:
            session.close()
            path.unlink(missing_ok=True)
            job.finished.set()
