"""The verification budget and pool size of a deployment, read from its settings once.

``CREDSTACK_VERIFY_*`` (docs/operations.md) become a :class:`VerificationLimits` at the
edge: the web app and the API pass it down in the ``ServiceContext``; the CLI, which
verifies in its own process and needs no master secret, reads only the budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from credstack.core.verify_budget import VerifyBudget

if TYPE_CHECKING:
    from credstack.settings import Settings


@dataclass(frozen=True)
class VerificationLimits:
    """What one verification may cost, and how many the server runs (and queues) at once."""

    budget: VerifyBudget = field(default_factory=VerifyBudget)
    #: worker processes verifying at the same time
    workers: int = 2
    #: verifications that may wait for a worker; beyond that the answer is 503
    queue: int = 8

    @classmethod
    def from_settings(cls, settings: Settings) -> VerificationLimits:
        return cls(
            budget=VerifyBudget(
                max_bytes=settings.verify_max_bytes,
                max_entries=settings.verify_max_entries,
                max_proofs=settings.verify_max_proofs,
                cpu_seconds=settings.verify_cpu_seconds,
                timeout_seconds=settings.verify_timeout_seconds,
            ),
            workers=settings.verify_workers,
            queue=settings.verify_queue,
        )
