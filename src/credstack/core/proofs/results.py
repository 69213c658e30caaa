"""What verifying the proofs of a credential found, one result per proof.

A failed proof is data, not an exception (architecture §3): the verifier prints every proof's
suite, verification method and a reason a person can act on, and the credential verifies
when any one proof of a supported suite is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from credstack.core.dids import ResolvedMethod

ProofStatus = Literal["verified", "failed", "unsupported"]


@dataclass(frozen=True)
class ProofResult:
    """The outcome of checking one proof."""

    #: position of the proof in the document's ``proof`` array (0 for a VC-JWT)
    index: int
    #: what kind of proof this is, e.g. ``eddsa-rdfc-2022``, ``Ed25519Signature2020``,
    #: ``VC-JWT RS256``
    suite: str
    verification_method: str | None
    status: ProofStatus
    reason: str
    #: the controller document that lists the verification method (None if unknown)
    controller: str | None = None
    #: whether that controller authorises the method for the proof's purpose
    authorised: bool | None = None
    proof_purpose: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "verified"


def proof_result(
    index: int,
    suite: str,
    verification_method: str | None,
    status: ProofStatus,
    reason: str,
    method: ResolvedMethod | None = None,
    purpose: str | None = None,
) -> ProofResult:
    """A result that also records who controls the resolved method and what it may do."""
    if method is None:
        return ProofResult(index, suite, verification_method, status, reason, proof_purpose=purpose)
    authorised = method.is_authorised_for(purpose) if purpose is not None else None
    return ProofResult(
        index, suite, verification_method, status, reason, method.controller, authorised, purpose
    )


@dataclass(frozen=True)
class ProofReport:
    """All proof results of a document; ``verified`` when any one proof is valid."""

    results: tuple[ProofResult, ...]

    @property
    def verified(self) -> bool:
        return any(result.ok for result in self.results)

    @property
    def valid(self) -> tuple[ProofResult, ...]:
        """The proofs that verified (the verifier checks key ownership on these)."""
        return tuple(result for result in self.results if result.ok)

    @property
    def message(self) -> str:
        """One line for people: which proof verified, or why none did."""
        if not self.results:
            return "the credential has no proof"
        good = self.valid
        if good:
            first = good[0]
            text = f"{first.suite} proof by {first.verification_method} is valid"
            others = [r for r in self.results if not r.ok]
            if others:
                text += "; " + "; ".join(_describe(r) for r in others)
            return text
        return "no valid proof: " + "; ".join(_describe(r) for r in self.results)


def _describe(result: ProofResult) -> str:
    label = "ignored" if result.status == "unsupported" else "failed"
    return f"proof {result.index + 1} ({result.suite}) {label}: {result.reason}"
