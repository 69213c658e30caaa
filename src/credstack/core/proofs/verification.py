"""Verify every embedded proof of a document (proof sets and chains included).

Design §7 check 4: any one valid proof of a supported suite verifies the credential;
proofs of unknown types beside it are reported, not fatal. Each proof yields a result
naming its suite, verification method and, when it fails, a reason a person can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from credstack.core.contexts import DocumentLoader
from credstack.core.dids import ResolvedMethod, resolve_verification_method
from credstack.core.errors import DIDResolutionError
from credstack.core.proofs import data_integrity, ed25519_2020
from credstack.core.proofs.ed25519_signature import Resolve
from credstack.core.proofs.results import ProofReport, ProofResult

#: a credential with more proofs than this is unusual; beyond it checking stops
MAX_PROOFS = 8


def resolve_offline(vm_id: str) -> ResolvedMethod:
    """Resolve did:key methods only; anything that needs a fetch is refused."""

    def no_fetch(url: str) -> bytes:
        raise DIDResolutionError(
            f"{url} would have to be fetched and no fetcher was given (only did:key works offline)"
        )

    return resolve_verification_method(vm_id, no_fetch)


def verify_proofs(
    document: Mapping[str, Any],
    *,
    resolve: Resolve = resolve_offline,
    loader: DocumentLoader | None = None,
    expected_purpose: str = "assertionMethod",
    now: datetime | None = None,
    max_proofs: int = MAX_PROOFS,
) -> ProofReport:
    """Check each proof in ``document['proof']`` and report them all.

    Each proof costs a canonicalization and maybe a fetch, so only the first
    ``max_proofs`` are checked; the rest are reported as not checked.

    ``resolve`` dereferences verification methods (default: did:key only, no network);
    ``loader`` serves JSON-LD contexts (default: Credstack's bundled, pinned contexts);
    ``now``, when given, makes proofs whose ``expires`` has passed fail.
    """
    raw = document.get("proof")
    if raw is None:
        return ProofReport(())
    proofs = raw if isinstance(raw, list) else [raw]
    results: list[ProofResult] = []
    for index, proof in enumerate(proofs):
        if index >= max_proofs:
            reason = f"not checked: only the first {max_proofs} proofs are verified"
            results.append(ProofResult(index, "?", None, "unsupported", reason))
            continue
        if not isinstance(proof, Mapping):
            results.append(
                ProofResult(index, "?", None, "failed", "the proof is not a JSON object")
            )
            continue
        if any(not isinstance(other, Mapping) for other in proofs):
            results.append(
                ProofResult(
                    index,
                    str(proof.get("type")),
                    None,
                    "failed",
                    "another entry of 'proof' is not a JSON object",
                )
            )
            continue
        kind = proof.get("type")
        if kind == data_integrity.PROOF_TYPE:
            results.append(
                data_integrity.verify_data_integrity_proof(
                    document,
                    proof,
                    index,
                    resolve=resolve,
                    loader=loader,
                    expected_purpose=expected_purpose,
                    now=now,
                )
            )
        elif kind == ed25519_2020.PROOF_TYPE:
            results.append(
                ed25519_2020.verify_ed25519_signature_2020(
                    document,
                    proof,
                    index,
                    resolve=resolve,
                    loader=loader,
                    expected_purpose=expected_purpose,
                )
            )
        else:
            vm = proof.get("verificationMethod")
            results.append(
                ProofResult(
                    index,
                    str(kind),
                    vm if isinstance(vm, str) else None,
                    "unsupported",
                    f"proof type {kind!r} is not supported (DataIntegrityProof with "
                    "eddsa-rdfc-2022 or eddsa-jcs-2022, Ed25519Signature2020)",
                )
            )
    return ProofReport(tuple(results))
