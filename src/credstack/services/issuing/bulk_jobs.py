"""Bulk CSV uploads as background jobs: a job's state, its table row, and the app's registry.

A job runs ``services.issuing.bulk.issue_csv`` outside the request that uploaded the file;
``credstack.workers.bulk_jobs`` runs it in a thread with its own background session (on
SQLite it takes the write lock after every waiting request) and commits after every batch
of :data:`JOB_BATCH_SIZE` rows, so awards already issued survive a crash and a re-upload
continues where it stopped (rows are idempotent). The job's row commits with each batch,
so its ``issued`` and ``skipped`` always count exactly the committed awards. This module
holds what does not depend on how a job is run: the job's readable state, the per-job
steps the worker calls on its session (which only flush, never commit), and the registry
the API and the web pages share.

The job is kept in memory (read at once, no database round trip while a page refreshes)
and in the ``bulk_jobs`` table, written when it starts, with every batch and when it
ends: another worker process, or this one after a restart, reads it from there. A job
ends ``done`` or ``failed`` (with the reason); its uploaded file (names, e-mail
addresses) is deleted either way. A job the table says is running but whose process is
gone is ``interrupted``: when a server starts (:func:`recover`) it marks the jobs of
its dead predecessors on this host so, with those that have not moved for
:data:`STALE_AFTER` (any host), and deletes their files and any other orphaned upload;
uploading the same file again finishes such a job. Jobs are not resumed by themselves:
the file's uploader may no longer be allowed to award, and the upload's options are
not kept.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
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
#: rows per batch of a job: a batch holds SQLite's write lock while it signs, so a small
#: one lets requests in between (``award bulk`` on the command line keeps 500)
JOB_BATCH_SIZE = 100
#: an upload that never became a job (the server stopped in between) is kept this long
ORPHAN_UPLOAD_AGE = timedelta(hours=1)
#: the folder of the home that holds uploaded CSV files until their job ends
UPLOADS = "uploads"
INTERRUPTED = (
    "the server stopped while this job ran; upload the same file again "
    "(rows issued before are skipped)"
)
_LIVE_STATES = ("queued", "running")
logger = logging.getLogger("credstack.bulk")


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

        Once the job's row is committed, the worker renames the file after the job
        (``uploads/<job id>.csv``), so that a server starting later tells it from the
        uploads of running jobs.

        Once the job's row is committed, the file is renamed after the job
        (``uploads/<job id>.csv``), so that a server starting later tells it from the
        uploads of running jobs. Call this after the request that made the job has
        committed (a background task), so the job never races the request for its rows.
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


def upload_folder(home: Path) -> Path:
    """Where uploaded CSV files wait for their job (created when missing)."""
    folder = home / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def claim_upload(csv_path: Path, job: BulkJob) -> Path:
    """Rename an uploaded file after its job, in the same folder."""
    path = csv_path.with_name(f"{job.id}.csv")
    csv_path.replace(path)
    return path


def this_worker() -> str:
    """``host/pid`` of this process, as stored in ``bulk_jobs.worker``."""
    return f"{socket.gethostname()}/{os.getpid()}"


def record_start(session: Session, ctx: ServiceContext, job: BulkJob) -> BulkJobRecord:
    """Add the job's row, ``running`` in this process (the caller commits it)."""
    record = BulkJobRecord(
        id=job.id, organization_id=job.organization_id, achievement_id=job.achievement_id,
        state="running", rows_done=0, rows_total=0, issued=0, skipped=0, invalid=0,
        errors=[], created_at=ctx.now(), updated_at=ctx.now(), worker=this_worker(),
    )  # fmt: skip
    session.add(record)
    job.state = "running"
    return record


def run_job(
    session: Session,
    ctx: ServiceContext,
    job: BulkJob,
    record: BulkJobRecord,
    path: Path,
    skip_invalid: bool,
    *,
    checkpoint: Callable[[], None],
) -> None:
    """Issue the file as the job's principal; the job ends ``done`` with its counts.

    ``checkpoint`` commits (the caller's edge). Each batch's progress and counts go into
    the job's row before it, so they commit with the batch's awards; the job in memory
    takes them once the commit succeeded. The transaction is ended before the file is
    validated, so the write lock is not held while a large file is read.
    """

    def progress(done: int, total: int) -> None:
        record.rows_done, record.rows_total, record.updated_at = done, total, ctx.now()

    def tally(issued: int, skipped: int) -> None:
        record.issued, record.skipped = issued, skipped

    def committed() -> None:
        checkpoint()
        job.rows_done, job.rows_total = record.rows_done, record.rows_total
        job.issued, job.skipped = record.issued, record.skipped

    summary = issue_csv(
        session, ctx, job.achievement_id, path, principal=job.principal,
        skip_invalid=skip_invalid, progress=progress, tally=tally, checkpoint=committed,
        idle=checkpoint, batch_size=JOB_BATCH_SIZE, workers=1,
    )  # fmt: skip
    job.issued, job.skipped, job.invalid = summary.issued, summary.skipped, summary.invalid
    job.errors = [
        {"line": p.line, "column": p.column, "message": p.message} for p in summary.problems
    ]
    job.state = "done"


def fail(job: BulkJob, message: str) -> None:
    """End the job ``failed``, saying why (a job must always end in a readable state)."""
    job.state, job.error = "failed", message


def save_end(sessions: sessionmaker[Session], ctx: ServiceContext, job: BulkJob) -> None:
    """Write the job's end state to its row in a fresh transaction, or log why not.

    Memory already has it; if the database refuses (busy beyond patience, gone), the row
    stays ``running`` and the next server start marks it interrupted (:func:`recover`).
    """
    session = sessions()
    try:
        record_end(session, ctx, job)
        session.commit()
    except Exception:
        logger.exception("cannot record the end of bulk job %s (%s)", job.id, job.state)
        session.rollback()
    finally:
        session.close()


def record_end(session: Session, ctx: ServiceContext, job: BulkJob) -> None:
    """Write the job's end state to its row, if the row exists (the caller commits)."""
    record = session.get(BulkJobRecord, job.id)
    if record is None:
        return
    record.state, record.error, record.errors = job.state, job.error, list(job.errors)
    record.rows_done, record.rows_total = job.rows_done, job.rows_total
    record.issued, record.skipped, record.invalid = job.issued, job.skipped, job.invalid
    record.updated_at = ctx.now()


@dataclass(frozen=True)
class Recovery:
    """What :func:`recover` did when a server started."""

    interrupted: list[str]
    deleted_uploads: list[str]


def recover(session: Session, ctx: ServiceContext) -> Recovery:
    """At server start: end the jobs whose process is gone, delete orphaned uploads.

    A job is over when its row says ``running`` but its worker was a process on this
    host that no longer runs (or this very pid: a previous process's), or when it has
    not moved for :data:`STALE_AFTER`. Its state becomes ``interrupted``. Then every
    upload that belongs to no live job is deleted: files named after a job that is
    over, and unnamed ones older than :data:`ORPHAN_UPLOAD_AGE` (uploads that never
    became a job). The caller commits.
    """
    now = ctx.now()
    live = session.scalars(select(BulkJobRecord).where(BulkJobRecord.state.in_(_LIVE_STATES)))
    interrupted: list[str] = []
    running: set[str] = set()
    for record in live:
        if _worker_gone(record.worker) or now - record.updated_at >= STALE_AFTER:
            record.state, record.error, record.updated_at = "interrupted", INTERRUPTED, now
            interrupted.append(record.id)
        else:
            running.add(record.id)
    session.flush()
    deleted: list[str] = []
    folder = ctx.home / UPLOADS
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        if path.stem in running:
            continue
        named_after_a_job = _is_job_id(path.stem)
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        if named_after_a_job or now - modified >= ORPHAN_UPLOAD_AGE:
            path.unlink(missing_ok=True)
            deleted.append(path.name)
    return Recovery(interrupted=interrupted, deleted_uploads=deleted)


def _is_job_id(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _worker_gone(worker: str | None) -> bool:
    """Whether ``host/pid`` names a process of this host that is not running any more."""
    host, _, pid_text = (worker or "").rpartition("/")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another host's, or unknown: only staleness tells
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # a predecessor that had this process's pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # a process of another user runs under that pid
    return False


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
