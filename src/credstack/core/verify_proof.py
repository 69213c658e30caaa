"""Checks 4 and 5 of verify(): a valid proof, made with a key the issuer controls.

A valid signature alone proves nothing about *who* signed: check 5 ties the key that
made a valid proof to the credential's issuer and to the ``assertionMethod`` relationship
in the issuer's own DID or controller document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from credstack.core.contexts import DocumentLoader
from credstack.core.dids import Fetch, ResolvedMethod, resolve_verification_method
from credstack.core.errors import DIDResolutionError
from credstack.core.inputs import ParsedInput
from credstack.core.jsonld_values import node_id
from credstack.core.proofs import ProofReport, ProofResult, vcjwt, verify_proofs
from credstack.core.report import CheckStatus, Outcome


@dataclass
class KeyResolver:
    """Resolves verification methods through one fetcher, each at most once per verification."""

    fetch: Fetch
    loader: DocumentLoader | None = None
    _cache: dict[str, ResolvedMethod | DIDResolutionError] = field(default_factory=dict)

    def __call__(self, vm_id: str) -> ResolvedMethod:
        cached = self._cache.get(vm_id)
        if cached is None:
            try:
                cached = resolve_verification_method(vm_id, self.fetch)
            except DIDResolutionError as exc:
                cached = exc
            self._cache[vm_id] = cached
        if isinstance(cached, DIDResolutionError):
            raise cached
        return cached


def issuer_id_of(credential: dict[str, Any]) -> str | None:
    """The issuer's id, whether ``issuer`` is a URL or a Profile object."""
    return node_id(credential.get("issuer"))


def check_proof_and_key(
    parsed: ParsedInput,
    *,
    resolver: KeyResolver,
    loader: DocumentLoader | None,
    now: datetime,
) -> list[Outcome]:
    """The proof check and the issuer-key check, from one round of verification."""
    report: ProofReport
    if parsed.jwt is not None:
        report = vcjwt.verify_vc_jwt(parsed.jwt, resolve=resolver)
    else:
        report = verify_proofs(parsed.credential, resolve=resolver, loader=loader, now=now)
    return [_proof_outcome(report), _key_outcome(report, issuer_id_of(parsed.credential))]


def _proof_outcome(report: ProofReport) -> Outcome:
    if not report.results:
        return ("proof", CheckStatus.FAIL, "the credential carries no proof: it is not signed")
    status = CheckStatus.PASS if report.verified else CheckStatus.FAIL
    return ("proof", status, report.message)


def _key_outcome(report: ProofReport, issuer: str | None) -> Outcome:
    if not report.verified:
        return ("issuer-key", CheckStatus.SKIP, "not checked: no proof is valid")
    if issuer is None:
        return ("issuer-key", CheckStatus.FAIL, "the credential names no issuer id")
    problems: list[str] = []
    for result in report.valid:
        problem = ownership_problem(result, issuer)
        if problem is None:
            return (
                "issuer-key",
                CheckStatus.PASS,
                f"{result.verification_method} belongs to the issuer {issuer} and is "
                f"authorised for {result.proof_purpose or 'assertionMethod'}",
            )
        problems.append(problem)
    return ("issuer-key", CheckStatus.FAIL, "; ".join(problems))


def ownership_problem(result: ProofResult, issuer: str) -> str | None:
    """Why a valid proof does not show that ``issuer`` made it, or None when it does.

    The key must be listed by the issuer's own controller document, under the proof's
    purpose; checks 5 (the credential) and 7 (its status list) both rely on this.
    """
    controller = result.controller
    if controller is None:
        return (
            f"the key {result.verification_method} is not tied to any controller document, "
            f"so it cannot be shown to belong to {issuer}"
        )
    if controller.partition("#")[0] != issuer.partition("#")[0]:
        return (
            f"the key {result.verification_method} belongs to {controller}, "
            f"not to the issuer {issuer}"
        )
    if result.authorised is False:
        return (
            f"{controller} does not list {result.verification_method} under "
            f"{result.proof_purpose or 'assertionMethod'}"
        )
    return None
