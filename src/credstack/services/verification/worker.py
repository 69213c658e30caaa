"""What runs inside a verifier worker process: one credential at a time, under a CPU limit.

Why a separate process: verifying is pure Python (JSON-LD, canonicalization) and holds
the GIL, so a thread would still starve the server's event loop. Each job runs with
``RLIMIT_CPU`` set to the CPU the process has used so far plus the job's
``cpu_seconds`` (rounded up to whole seconds, the kernel's unit): past it the kernel
sends ``SIGXCPU``, whose default action ends the process even inside C code, and the
pool (``pool.py``) reports the budget and starts a fresh worker. The worker runs at a
lower priority (``nice`` 10) so that the server itself always gets the CPU first.

The worker holds no database connection. What this deployment serves itself (its
status lists and DID documents) is asked of the parent over the pipe, which answers
from the request's own session, inside the request's transaction.

Messages: the parent sends a :class:`VerifyJob` (``None`` to stop); the worker answers
``(LOOKUP, kind, url)`` any number of times (the parent replies ``(FOUND, value)`` or
``(FAILED, error)``), then ``(REPORT, report)`` or ``(OVER_BUDGET, error)``.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

from credstack.core.errors import CredstackError, VerificationBudgetError
from credstack.core.report import TrustedIssuer
from credstack.core.verify import verify_within_budget
from credstack.core.verify_budget import VerifyBudget
from credstack.services.verification.verify import LocalRegistry, VerificationRequest, options_for

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows; the pool's wall clock still applies
    resource = None  # type: ignore[assignment]

LOOKUP = "lookup"
FOUND = "found"
FAILED = "failed"
REPORT = "report"
OVER_BUDGET = "over-budget"
#: lookup kinds: a status list credential (parsed JSON), a DID document (bytes)
STATUS_LIST = "status-list"
DOCUMENT = "document"
#: who vouches for an issuer id (the database answers, in the parent)
TRUSTED_ISSUER = "trusted-issuer"


@dataclass(frozen=True)
class VerifyJob:
    """One credential to verify, with everything the worker needs but the database."""

    data: bytes
    input_name: str
    now: datetime
    budget: VerifyBudget
    recipient: str | None = None
    allow_http_loopback: bool = False


def serve(connection: Connection) -> None:
    """The worker's main loop: verify jobs until the pool sends ``None`` or goes away."""
    _settle()
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        with cpu_limit(job.budget.cpu_seconds):
            answer = _verify(job, connection)
        connection.send(answer)


def _verify(job: VerifyJob, connection: Connection) -> tuple[str, Any]:
    def status_list(url: str) -> dict[str, Any] | None:
        value: dict[str, Any] | None = _ask(connection, STATUS_LIST, url)
        return value

    def document(url: str) -> bytes | None:
        value: bytes | None = _ask(connection, DOCUMENT, url)
        return value

    def trusted_issuer(issuer_id: str) -> TrustedIssuer | None:
        value: TrustedIssuer | None = _ask(connection, TRUSTED_ISSUER, issuer_id)
        return value

    registry = LocalRegistry(
        trusted_issuers=trusted_issuer, status_list=status_list, document=document
    )
    request = VerificationRequest(
        inputs=[],
        recipient=job.recipient,
        allow_http_loopback=job.allow_http_loopback,
        registry=registry,
        budget=job.budget,
    )
    options = options_for(request, now=job.now)
    try:
        return REPORT, verify_within_budget(job.data, input_name=job.input_name, options=options)
    except VerificationBudgetError as exc:
        return OVER_BUDGET, exc


def _ask(connection: Connection, kind: str, url: str) -> Any:
    """Ask the parent for one of this deployment's own documents (None: not ours)."""
    connection.send((LOOKUP, kind, url))
    answer, value = connection.recv()
    if answer == FAILED:
        raise value if isinstance(value, CredstackError) else CredstackError(str(value))
    return value


def _settle() -> None:
    """Lower priority, no core dumps, SIGXCPU ends the process, Ctrl-C is the parent's."""
    with contextlib.suppress(OSError):  # some sandboxes refuse; the limits still hold
        os.nice(10)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if resource is not None:
        signal.signal(signal.SIGXCPU, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@contextmanager
def cpu_limit(seconds: float) -> Iterator[None]:
    """Let the kernel end this process once it has used ``seconds`` more CPU (rounded up)."""
    if resource is None:  # pragma: no cover - see the import
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    limit = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
