"""Verifying a credential that anyone hands in: the ``/verify`` page and ``POST /api/v1/verify``.

Both doors come through :func:`verify_submission`, so they share one behaviour: the
check runs in the verifier pool under the deployment's budget (never in the server
process), this deployment's issuers, status lists and DID documents are read from the
database, and a verification of one of our own credentials is logged as
``credential.verified`` (the issuer dashboard counts it), with ``via`` saying which door.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from credstack.core.report import VerificationReport
from credstack.services.context import ServiceContext
from credstack.services.verification.local import local_registry, record_verification
from credstack.services.verification.pool import shared_pool
from credstack.services.verification.worker import VerifyJob


def verify_submission(
    session: Session,
    ctx: ServiceContext,
    data: bytes,
    *,
    input_name: str,
    recipient: str | None,
    via: str,
) -> VerificationReport:
    """Verify ``data`` in the pool and log it when it is ours; blocks (run it in a thread).

    Raises ``VerificationBudgetError`` (``InputTooLargeError`` for size) when the
    credential is over the budget of ``ctx.verification``, and
    ``VerifierUnavailableError`` when the pool is full.
    """
    limits = ctx.verification
    pool = shared_pool(limits.workers, limits.queue)
    with pool.reserved(limits.budget.cpu_seconds) as run:
        # read the database only once a worker is ours: waiting holds no connection
        registry = local_registry(session, ctx)
        job = VerifyJob(
            data=data,
            input_name=input_name,
            now=ctx.now(),
            budget=limits.budget,
            recipient=recipient,
        )
        report = run(job, registry)
    record_verification(session, ctx, report, via=via)
    return report
