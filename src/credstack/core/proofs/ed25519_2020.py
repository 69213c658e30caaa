"""Verification of legacy ``Ed25519Signature2020`` proofs (W3C CCG lds-ed25519-2020).

Real issuers still emit this suite (design §2), so Credstack verifies it but never
creates it. The proof options are the proof without ``proofValue``, given the document's
``@context``; the signature covers ``SHA-256(canonical options) || SHA-256(canonical
document)``, both canonicalized with RDFC-1.0 exactly as ``eddsa-rdfc-2022`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credstack.core.contexts import DocumentLoader
from credstack.core.dids import ResolvedMethod
from credstack.core.errors import CredstackError
from credstack.core.keys import Ed25519PublicKey
from credstack.core.proofs.data_integrity import Resolve, decode_proof_value
from credstack.core.proofs.eddsa import RDFC, hash_proof_input
from credstack.core.proofs.results import ProofResult, proof_result
from credstack.core.timestamps import is_datetime_stamp

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

    def failed(reason: str, method: ResolvedMethod | None = None) -> ProofResult:
        return proof_result(index, PROOF_TYPE, vm_text, "failed", reason, method, expected_purpose)

    if vm_text is None:
        return failed("the proof has no verificationMethod")
    if not is_datetime_stamp(proof.get("created")):
        return failed(
            f"proof 'created' {proof.get('created')!r} is not an XML Schema dateTimeStamp"
        )
    if proof.get("proofPurpose") != expected_purpose:
        return failed(
            f"proof purpose is {proof.get('proofPurpose')!r}, expected {expected_purpose!r}"
        )
    signature = decode_proof_value(proof.get("proofValue"))
    if isinstance(signature, str):
        return failed(signature)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k not in ("proofValue", "jws", "@context")}
    options["@context"] = document.get("@context")
    try:
        method = resolve(vm_text)
    except CredstackError as exc:
        return failed(f"cannot resolve the verification method: {exc}")
    if not isinstance(method.public_key, Ed25519PublicKey):
        return failed(f"{vm_text} is not an Ed25519 key", method)
    try:
        hashed = hash_proof_input(unsecured, options, RDFC, loader)
    except CredstackError as exc:
        return failed(f"the signed document cannot be canonicalized: {exc}", method)
    except Exception as exc:  # untrusted input must never crash verification
        return failed(f"the signed document cannot be canonicalized: {exc!r}", method)
    if not method.public_key.verify(signature, hashed.signing_input):
        return failed(
            "the signature does not match: the credential was changed after signing "
            "or signed with another key",
            method,
        )
    return proof_result(
        index, PROOF_TYPE, vm_text, "verified", "signature is valid", method, expected_purpose
    )
