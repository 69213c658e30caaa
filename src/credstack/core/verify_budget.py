"""How much work one verification may cost, and the checks that refuse more before it starts.

Why: verification cost grows with the credential (every proof canonicalizes the whole
document), and anyone may hand in a credential. A 1.6 MB credential with 38,000 evidence
objects and 8 proofs kept a verifier busy for 15 s. A :class:`VerifyBudget` caps what a
credential may ask for: its size, the entries of any one array or object, its proofs,
and (enforced by the process that runs it, see ``services.verification.pool``) the CPU
and wall-clock time. The checks here are pure and cheap (one walk over the parsed JSON),
so the CLI applies exactly the same limits as the web page and the API.

A credential over budget is refused with :class:`VerificationBudgetError`, whose message
names the limit; it is an unusable input (CLI exit code 2), never a failed check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credstack.core.errors import ConfigurationError, VerificationBudgetError

#: Largest credential (JSON text or compact JWT) accepted by default, once extracted.
MAX_CREDENTIAL_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class VerifyBudget:
    """The most one verification may use; the defaults are the production budget."""

    #: the credential itself (JSON text or compact JWT, also when baked in an image)
    max_bytes: int = MAX_CREDENTIAL_BYTES
    #: entries of any one array, members of any one object
    max_entries: int = 1_000
    #: proofs on the credential (each one canonicalizes the whole document)
    max_proofs: int = 8
    #: CPU seconds of the process verifying it (enforced by the verifier pool)
    cpu_seconds: float = 5.0
    #: wall-clock seconds, fetches included (enforced by the verifier pool)
    timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        if min(self.max_bytes, self.max_entries, self.max_proofs) < 1:
            raise ConfigurationError("verification limits (bytes, entries, proofs) must be >= 1")
        if self.cpu_seconds <= 0 or self.timeout_seconds <= 0:
            raise ConfigurationError("verification CPU and time limits must be positive")


def check_shape(credential: dict[str, Any], budget: VerifyBudget) -> None:
    """Refuse more proofs than ``max_proofs`` and any array or object over ``max_entries``."""
    proofs = credential.get("proof")
    count = len(proofs) if isinstance(proofs, list) else (0 if proofs is None else 1)
    if count > budget.max_proofs:
        raise VerificationBudgetError(
            f"the credential has {count:,} proofs; this verifier checks at most "
            f"{budget.max_proofs:,} proofs per credential",
            limit="max_proofs",
            allowed=budget.max_proofs,
        )
    stack: list[tuple[str, list[Any] | dict[str, Any]]] = [("$", credential)]
    while stack:
        path, value = stack.pop()
        unit, kind, step = (
            ("entries", "array", "{}[{}]")
            if isinstance(value, list)
            else ("members", "object", "{}.{}")
        )
        if len(value) > budget.max_entries:
            raise VerificationBudgetError(
                f"{path} has {len(value):,} {unit}; this verifier reads at most "
                f"{budget.max_entries:,} {unit} per {kind}",
                limit="max_entries",
                allowed=budget.max_entries,
            )
        children = enumerate(value) if isinstance(value, list) else value.items()
        stack.extend(
            (step.format(path, key), item)
            for key, item in children
            if isinstance(item, list | dict)
        )
