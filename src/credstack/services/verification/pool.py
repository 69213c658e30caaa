"""The verifier pool: credentials from strangers are verified in bounded worker processes.

Why: anyone may ask the server to verify a credential, and a verification can cost
seconds of CPU. Run in the server process, one request stalled every other one
(``/healthz`` waited 15 s). Here each verification runs in a worker process
(``worker.py``) under the budget of its :class:`VerifyJob`:

- at most ``workers`` run at once and ``queue`` more wait; beyond that the answer is
  :class:`VerifierUnavailableError` at once (the API's 503 with ``Retry-After``), so
  a flood is refused instead of piling up;
- the CPU limit is the kernel's (``RLIMIT_CPU`` in the worker); the wall-clock limit
  (fetches included) is kept here: a worker past it is killed. Either way the caller
  gets a :class:`VerificationBudgetError` naming the limit and the next job gets a
  fresh worker;
- the worker asks this side for the deployment's own status lists and DID documents
  (``LocalRegistry``), so they are read from the caller's session and transaction.

:meth:`VerifierPool.verify` blocks; call it from a worker thread, never on an event
loop. Workers start on first use with ``forkserver`` (or ``spawn``), never ``fork``: a
forked child would inherit the server's database connections and threads.
"""

from __future__ import annotations

import atexit
import contextlib
import math
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

from credstack.core.errors import (
    CredstackError,
    VerificationBudgetError,
    VerifierUnavailableError,
)
from credstack.core.report import VerificationReport
from credstack.services.verification import worker as worker_module
from credstack.services.verification.verify import LocalRegistry
from credstack.services.verification.worker import VerifyJob

#: what :meth:`VerifierPool.reserved` hands out: verify one job in the reserved worker
Run = Callable[[VerifyJob, LocalRegistry], VerificationReport]
#: a worker is replaced after this many jobs, so memory one credential took is returned
MAX_JOBS_PER_WORKER = 200
_STOP_GRACE_SECONDS = 2.0


def _context() -> BaseContext:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        # workers fork from a server that already imported the verifier (if this pool
        # is the first to start it; otherwise they import it on their first job)
        context.set_forkserver_preload([worker_module.__name__])
        return context
    return multiprocessing.get_context("spawn")


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, context: BaseContext) -> None:
        parent_end, child_end = context.Pipe(duplex=True)
        self.connection: Connection = parent_end
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=worker_module.serve,
            args=(child_end,),
            name="credstack-verifier",
            daemon=True,
        )
        self.process.start()
        child_end.close()
        self.jobs = 0
        self.usable = True

    def kill(self) -> None:
        """End the process now (a runaway job); it is never used again."""
        self.usable = False
        if self.process.is_alive():
            self.process.kill()
        self.process.join(_STOP_GRACE_SECONDS)
        self.connection.close()

    def stop(self) -> None:
        """Ask the process to finish, then make sure it did."""
        self.usable = False
        with contextlib.suppress(OSError):  # already gone
            self.connection.send(None)
        self.process.join(_STOP_GRACE_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(_STOP_GRACE_SECONDS)
        self.connection.close()

    def exit_code(self) -> int | None:
        """The exit code once the process has ended (``-N``: ended by signal N)."""
        self.process.join(_STOP_GRACE_SECONDS)
        return self.process.exitcode


class VerifierPool:
    """Verify credentials in at most ``workers`` processes, with ``queue`` more waiting."""

    def __init__(self, workers: int, queue: int) -> None:
        if workers < 1 or queue < 0:
            raise ValueError("a verifier pool needs at least one worker and a queue >= 0")
        self.workers = workers
        self.queue = queue
        self._context = _context()
        self._admitted = threading.BoundedSemaphore(workers + queue)
        self._running = threading.BoundedSemaphore(workers)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def verify(self, job: VerifyJob, registry: LocalRegistry) -> VerificationReport:
        """The report on ``job``; raises over budget, or when the pool is full.

        Raises :class:`VerificationBudgetError` when the credential is over budget (its
        size, shape, CPU or time) and :class:`VerifierUnavailableError` when every worker
        is busy and the queue is full (try again after ``retry_after`` seconds).
        """
        with self.reserved(job.budget.cpu_seconds) as run:
            return run(job, registry)

    @contextlib.contextmanager
    def reserved(self, cpu_seconds: float) -> Iterator[Run]:
        """Wait for a worker (or refuse at once when the queue is full), then run one job.

        The caller prepares the job inside the block, so a request waiting in the queue
        holds no database connection yet. ``cpu_seconds`` (the job's budget) sets the
        ``retry_after`` of a refusal: a worker is free within about that time.
        """
        retry_after = max(1, math.ceil(cpu_seconds))
        if self._closed:
            raise VerifierUnavailableError("the verifier is shutting down", retry_after=retry_after)
        if not self._admitted.acquire(blocking=False):
            raise VerifierUnavailableError(
                f"the verifier is busy ({self.workers} verifications running, {self.queue} "
                f"waiting); try again in {retry_after} s",
                retry_after=retry_after,
            )
        try:
            with self._running:
                yield self._run
        finally:
            self._admitted.release()

    def _run(self, job: VerifyJob, registry: LocalRegistry) -> VerificationReport:
        worker = self._take()
        try:
            return self._converse(worker, job, registry)
        finally:
            self._give_back(worker)

    def close(self) -> None:
        """Stop the idle workers now and busy ones when their job ends."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
                worker.kill()
        return _Worker(self._context)

    def _give_back(self, worker: _Worker) -> None:
        worker.jobs += 1
        with self._lock:
            if worker.usable and not self._closed and worker.jobs < MAX_JOBS_PER_WORKER:
                self._idle.append(worker)
                return
        if worker.usable:
            worker.stop()

    def _converse(
        self, worker: _Worker, job: VerifyJob, registry: LocalRegistry
    ) -> VerificationReport:
        """Send the job, answer the worker's lookups, return its report (or raise)."""
        deadline = time.monotonic() + job.budget.timeout_seconds
        try:
            worker.connection.send(job)
        except OSError as exc:
            worker.kill()
            raise VerifierUnavailableError(
                "a verification worker stopped before it could start; try again",
                retry_after=1,
            ) from exc
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not worker.connection.poll(remaining):
                if time.monotonic() < deadline:
                    continue
                worker.kill()
                raise VerificationBudgetError(
                    f"the verification took longer than {job.budget.timeout_seconds:g} s, "
                    "the most this verifier allows, and was stopped",
                    limit="timeout_seconds",
                    allowed=job.budget.timeout_seconds,
                )
            try:
                message = worker.connection.recv()
            except (EOFError, OSError):
                raise self._lost(worker, job) from None
            kind = message[0]
            if kind == worker_module.LOOKUP:
                worker.connection.send(_lookup(registry, message[1], message[2]))
            elif kind == worker_module.REPORT:
                report: VerificationReport = message[1]
                return report
            else:
                error: VerificationBudgetError = message[1]
                raise error

    def _lost(self, worker: _Worker, job: VerifyJob) -> CredstackError:
        """Why the worker ended mid-job: over its CPU budget, or something else."""
        code = worker.exit_code()
        worker.kill()
        if code == -signal.SIGXCPU:
            return VerificationBudgetError(
                f"the verification needed more than {job.budget.cpu_seconds:g} s of CPU, "
                "the most this verifier allows, and was stopped",
                limit="cpu_seconds",
                allowed=job.budget.cpu_seconds,
            )
        return VerifierUnavailableError(
            f"the verification worker stopped unexpectedly (exit code {code}); try again",
            retry_after=1,
        )


def _lookup(registry: LocalRegistry, kind: str, url: str) -> tuple[str, Any]:
    """The parent's answer to a worker's lookup: the document, or the error it raised."""
    lookups: dict[str, Any] = {
        worker_module.STATUS_LIST: registry.status_list,
        worker_module.DOCUMENT: registry.document,
        worker_module.TRUSTED_ISSUER: registry.trusted_issuers,
    }
    lookup = lookups.get(kind)
    try:
        return worker_module.FOUND, lookup(url) if lookup is not None else None
    except CredstackError as exc:
        return worker_module.FAILED, exc
    except Exception as exc:  # the worker reports it as a check that could not run
        return worker_module.FAILED, CredstackError(f"{url} could not be read here: {exc!r}")


_shared: dict[tuple[int, int], VerifierPool] = {}
_shared_lock = threading.Lock()


def shared_pool(workers: int, queue: int) -> VerifierPool:
    """The process's pool of this size: every app in a process shares its workers."""
    with _shared_lock:
        pool = _shared.get((workers, queue))
        if pool is None:
            pool = _shared[(workers, queue)] = VerifierPool(workers, queue)
        return pool


@atexit.register
def _close_shared_pools() -> None:
    with _shared_lock:
        pools = list(_shared.values())
        _shared.clear()
    for pool in pools:
        pool.close()
