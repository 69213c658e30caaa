"""Verification of legacy ``Ed25519Signature2020`` proofs (W3C CCG lds-ed25519-2020).

Real issuers still emit this suite (architecture §2), so Credstack verifies it but never
creates it. The proof options are the proof without ``proofValue``, given the document's
``@context``; the signature covers ``SHA-256(canonical options) || SHA-256(canonical
document)``, both canonicalized with RDFC-1.0 exactly as ``eddsa-rdfc-2022`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credstack.core.contexts import DocumentLoader
from credstack.core.proofs.ed25519_signature import (
    Resolve,
    check_ed25519_signature,
    decode_proof_value,
    proof_options_problem,
)
from credstack.core.proofs.eddsa import RDFC
from credstack.core.proofs.results import ProofResult, proof_result

PROOF_TYPE = "Ed25519Signature2020"
CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"


def verify_ed25519_signature_2020(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    index: int,
    *,
    resolve: Resolve,
    loader: DocumentLoader | None = None,
    expected_purpose: str = "assertionMethod",
) -> ProofResult:
    """Check one ``Ed25519Signature2020`` proof; failures are results, not exceptions."""
    vm_id = proof.get("verificationMethod")
    vm_text = vm_id if isinstance(vm_id, str) else None

    def failed(reason: str) -> ProofResult:
        return proof_result(index, PROOF_TYPE, vm_text, "failed", reason, None, expected_purpose)

    problem = proof_options_problem(proof, expected_purpose, created_required=True)
    if problem or vm_text is None:
        return failed(problem or "the proof has no verificationMethod")
    signature = decode_proof_value(proof.get("proofValue"))
    if isinstance(signature, str):
        return failed(signature)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k not in ("proofValue", "jws", "@context")}
    options["@context"] = document.get("@context")
    return check_ed25519_signature(
        index=index,
        suite=PROOF_TYPE,
        verification_method=vm_text,
        purpose=expected_purpose,
        signature=signature,
        unsecured=unsecured,
        config=options,
        cryptosuite=RDFC,
        resolve=resolve,
        loader=loader,
    )
