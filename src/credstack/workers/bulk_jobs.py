"""Running bulk CSV jobs in threads, each with its own session, committing after every batch.

The steps are the services' (``services.issuing.bulk_jobs``); this module is the edge that
holds the transaction: it commits the job's row before any award (so the job is readable
from any process at once), after every batch (``checkpoint``, with the job's counts), and
the end state last, in a fresh transaction. Whatever a failure left half-done is rolled
back first. Give it background sessions: on SQLite they take the write lock only after
every waiting request.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from credstack.core.errors import CredstackError
from credstack.services.context import ServiceContext
from credstack.services.issuing.bulk_jobs import (
    BulkJob,
    claim_upload,
    fail,
    record_start,
    run_job,
    save_end,
)


class ThreadedJobRunner:
    """A ``services.issuing.bulk_jobs.JobRunner`` that runs each job in a daemon thread."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __call__(
        self, job: BulkJob, ctx: ServiceContext, csv_path: Path, skip_invalid: bool
    ) -> None:
        """Start the job's thread and return at once."""
        thread = threading.Thread(
            target=self._run,
            args=(job, ctx, csv_path, skip_invalid),
            name=f"bulk-{job.id}",
            daemon=True,
        )
        thread.start()

    def _run(self, job: BulkJob, ctx: ServiceContext, path: Path, skip_invalid: bool) -> None:
        session = self._sessions()
        try:
            record = record_start(session, ctx, job)
            session.commit()
            path = claim_upload(path, job)
            run_job(session, ctx, job, record, path, skip_invalid, checkpoint=session.commit)
        except CredstackError as exc:
            fail(job, exc.message)
        except Exception as exc:  # a job thread must always end in a readable state
            fail(job, f"the job stopped unexpectedly: {exc}")
        finally:
            try:
                session.rollback()  # whatever the failure left half-done
                session.close()
                save_end(self._sessions, ctx, job)
            finally:
                path.unlink(missing_ok=True)
                job.finished.set()
