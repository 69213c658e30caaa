"""W3C Data Integrity ``DataIntegrityProof`` with the EdDSA cryptosuites: create and verify.

Follows vc-di-eddsa §3.2/§3.3 (and the DI 1.0 proof-set rules): the proof configuration
is the proof without ``proofValue``, carrying the document's ``@context``; the signature
covers ``SHA-256(canonical config) || SHA-256(canonical document)``; ``proofValue`` is
base58btc multibase. Pure: the creation time and the JSON-LD loader are arguments.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from credstack.core.contexts import DocumentLoader
from credstack.core.errors import ProofError
from credstack.core.jsonld_values import as_list
from credstack.core.keys import Ed25519KeyPair
from credstack.core.multibase import multibase_encode
from credstack.core.proofs.ed25519_signature import (
    Resolve,
    check_ed25519_signature,
    decode_proof_value,
    proof_options_problem,
)
from credstack.core.proofs.eddsa import CRYPTOSUITES, JCS, RDFC, hash_proof_input
from credstack.core.proofs.results import ProofResult, proof_result
from credstack.core.timestamps import format_datetime, is_datetime_stamp, parse_datetime

PROOF_TYPE = "DataIntegrityProof"


def format_created(created: datetime | str) -> str:
    """``created`` as an XML Schema dateTimeStamp in UTC (``2024-05-01T12:00:00Z``).

    A ``datetime`` must carry a time zone (a naive one would silently mean local time);
    fractions of a second are dropped, as every published proof does.
    """
    if isinstance(created, datetime):
        if created.tzinfo is None or created.utcoffset() is None:
            raise ProofError("proof 'created' needs a time zone (use datetime.now(UTC))")
        return format_datetime(created)
    if not is_datetime_stamp(created):
        raise ProofError(
            f"proof 'created' {created!r} is not an XML Schema dateTimeStamp "
            "(e.g. 2024-05-01T12:00:00Z)"
        )
    return created


def sign_data_integrity(
    document: Mapping[str, Any],
    key: Ed25519KeyPair,
    verification_method: str,
    *,
    cryptosuite: str = RDFC,
    created: datetime | str,
    proof_purpose: str = "assertionMethod",
    loader: DocumentLoader | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
) -> dict[str, Any]:
    """Return a NEW document with a ``DataIntegrityProof`` appended to its ``proof`` array.

    Existing proofs are kept (a proof set); the new proof covers the document without
    them unless ``previous_proof`` names some, which are then covered too (a proof chain).
    Undefined JSON-LD terms make ``eddsa-rdfc-2022`` signing fail with
    ``CanonicalizationError``, as Data Integrity requires.
    """
    if cryptosuite not in CRYPTOSUITES:
        raise ProofError(
            f"unknown cryptosuite {cryptosuite!r}: use one of {', '.join(CRYPTOSUITES)}"
        )
    if not isinstance(key, Ed25519KeyPair):
        raise ProofError(f"{cryptosuite} signs with an Ed25519 key, not {type(key).__name__}")
    _check_did_key_matches(verification_method, key)
    existing = _proof_list(document.get("proof"))
    proof: dict[str, Any] = {"type": PROOF_TYPE}
    if proof_id is not None:
        proof["id"] = proof_id
    proof.update(
        {
            "cryptosuite": cryptosuite,
            "created": format_created(created),
            "verificationMethod": verification_method,
            "proofPurpose": proof_purpose,
        }
    )
    if previous_proof is not None:
        proof["previousProof"] = (
            previous_proof if isinstance(previous_proof, str) else list(previous_proof)
        )
    if cryptosuite == JCS and "@context" in document:
        proof["@context"] = copy.deepcopy(document["@context"])
    unsecured = _input_document(document, existing, proof)
    config = {**proof, "@context": unsecured.get("@context")} if "@context" in unsecured else proof
    hashed = hash_proof_input(unsecured, config, cryptosuite, loader)
    proof["proofValue"] = multibase_encode(key.sign(hashed.signing_input), "z")
    secured = copy.deepcopy({k: v for k, v in document.items() if k != "proof"})
    secured["proof"] = [*copy.deepcopy(existing), proof]
    return secured


def verify_data_integrity_proof(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    index: int,
    *,
    resolve: Resolve,
    loader: DocumentLoader | None = None,
    expected_purpose: str = "assertionMethod",
    now: datetime | None = None,
) -> ProofResult:
    """Check one ``DataIntegrityProof`` of ``document`` (its other proofs are context).

    Every failure becomes a :class:`ProofResult` with a reason; nothing is raised. With
    ``now``, a proof whose ``expires`` has passed fails (DI 1.0 §4.4).
    """
    suite = str(proof.get("cryptosuite", PROOF_TYPE))
    vm_id = proof.get("verificationMethod")
    vm_text = vm_id if isinstance(vm_id, str) else None

    purpose = str(proof.get("proofPurpose"))

    def failed(reason: str) -> ProofResult:
        return proof_result(index, suite, vm_text, "failed", reason, None, purpose)

    if proof.get("cryptosuite") not in CRYPTOSUITES:
        return ProofResult(
            index,
            suite,
            vm_text,
            "unsupported",
            f"cryptosuite {proof.get('cryptosuite')!r} is not supported "
            f"(Credstack verifies {', '.join(CRYPTOSUITES)})",
        )
    problem = proof_config_problem(proof, expected_purpose)
    if problem or vm_text is None:
        return failed(problem or "the proof has no verificationMethod")
    if now is not None and "expires" in proof:
        expires = parse_datetime(proof["expires"], zone_required=True)
        if expires is None:
            return failed(f"proof 'expires' {proof['expires']!r} cannot be read as a date-time")
        if expires < (now if now.tzinfo else now.replace(tzinfo=UTC)):
            return failed(f"the proof expired at {proof['expires']}")
    signature = decode_proof_value(proof.get("proofValue"))
    if isinstance(signature, str):
        return failed(signature)
    unsecured, context_problem = _unsecured_for_verification(document, proof)
    if context_problem:
        return failed(context_problem)
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    config = {**options, "@context": unsecured["@context"]} if "@context" in unsecured else options
    return check_ed25519_signature(
        index=index,
        suite=suite,
        verification_method=vm_text,
        purpose=purpose,
        signature=signature,
        unsecured=unsecured,
        config=config,
        cryptosuite=suite,
        resolve=resolve,
        loader=loader,
    )


def proof_config_problem(proof: Mapping[str, Any], expected_purpose: str) -> str | None:
    """The first reason a proof's options are unacceptable, or None (vc-di-eddsa §3.3)."""
    if proof.get("type") != PROOF_TYPE:
        return f"proof type {proof.get('type')!r} is not {PROOF_TYPE}"
    return proof_options_problem(proof, expected_purpose, created_required=False)


def _unsecured_for_verification(
    document: Mapping[str, Any], proof: Mapping[str, Any]
) -> tuple[dict[str, Any], str | None]:
    """The document this proof covers: no proofs, or the ones it chains to (DI §4.5)."""
    try:
        unsecured = _input_document(document, _proof_list(document.get("proof")), proof)
    except ProofError as exc:
        return {}, str(exc)
    if "@context" in proof:
        proof_context = as_list(proof["@context"])
        doc_context = as_list(document.get("@context"))
        if doc_context[: len(proof_context)] != proof_context:
            return unsecured, "the proof's @context is not the start of the document's @context"
        unsecured["@context"] = proof["@context"]
    return unsecured, None


def _input_document(
    document: Mapping[str, Any], all_proofs: list[dict[str, Any]], proof: Mapping[str, Any]
) -> dict[str, Any]:
    # a shallow view: canonicalization only reads it, and nothing here is returned
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    previous = proof.get("previousProof")
    if previous is not None:
        wanted = as_list(previous)
        matching = [p for p in all_proofs if p.get("id") in wanted]
        missing = [w for w in wanted if not any(p.get("id") == w for p in all_proofs)]
        if missing:
            names = ", ".join(map(str, missing))
            raise ProofError(f"previousProof {names} is not among the document's proofs")
        unsecured["proof"] = matching
    return unsecured


def _proof_list(value: object) -> list[dict[str, Any]]:
    if value is None:
        return []
    proofs = value if isinstance(value, list) else [value]
    if not all(isinstance(p, dict) for p in proofs):
        raise ProofError("every entry of 'proof' must be a JSON object")
    return list(proofs)


def _check_did_key_matches(verification_method: str, key: Ed25519KeyPair) -> None:
    """Catch a did:key verification method that names a different key than the signer's."""
    if verification_method.startswith("did:key:"):
        named = verification_method.removeprefix("did:key:").partition("#")[0]
        if named != key.public_multibase:
            raise ProofError(
                f"verification method {verification_method} is not the signing key "
                f"(did:key:{key.public_multibase})"
            )
