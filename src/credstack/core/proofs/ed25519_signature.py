"""What every Ed25519 Data Integrity-style proof checks, whatever its proof type.

``DataIntegrityProof`` (eddsa-rdfc-2022, eddsa-jcs-2022) and the legacy
``Ed25519Signature2020`` differ only in how the proof configuration and the covered
document are chosen; the option checks, the ``proofValue`` decoding and the final
resolve-hash-verify steps are the same, so they live here once and both suites agree
on every reason they report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from credstack.core.contexts import DocumentLoader
from credstack.core.dids import ResolvedMethod
from credstack.core.errors import CredstackError
from credstack.core.keys import Ed25519PublicKey
from credstack.core.multibase import multibase_decode
from credstack.core.proofs.eddsa import hash_proof_input
from credstack.core.proofs.results import ProofResult, proof_result
from credstack.core.timestamps import is_datetime_stamp

#: dereferences a verification method id (see ``dids.resolve_verification_method``)
Resolve = Callable[[str], ResolvedMethod]


def proof_options_problem(
    proof: Mapping[str, Any], expected_purpose: str, *, created_required: bool
) -> str | None:
    """The first reason a proof's options are unacceptable, or None (vc-di-eddsa §3.3)."""
    if not isinstance(proof.get("verificationMethod"), str):
        return "the proof has no verificationMethod"
    if (created_required or "created" in proof) and not is_datetime_stamp(proof.get("created")):
        return f"proof 'created' {proof.get('created')!r} is not an XML Schema dateTimeStamp"
    if "expires" in proof and not is_datetime_stamp(proof["expires"]):
        return f"proof 'expires' {proof['expires']!r} is not an XML Schema dateTimeStamp"
    if proof.get("proofPurpose") != expected_purpose:
        return (
            f"proof purpose is {proof.get('proofPurpose')!r}, a credential needs "
            f"{expected_purpose!r}"
        )
    return None


def decode_proof_value(value: object) -> bytes | str:
    """The 64 signature bytes of a base58btc ``proofValue``, or the reason it is unusable."""
    if not isinstance(value, str) or not value:
        return "the proof has no proofValue"
    if not value.startswith("z"):
        return "proofValue must be base58btc multibase (starting with 'z')"
    try:
        signature = multibase_decode(value)
    except ValueError as exc:
        return f"proofValue is not valid base58btc: {exc}"
    if len(signature) != 64:
        return f"proofValue holds {len(signature)} bytes, an Ed25519 signature has 64"
    return signature


def check_ed25519_signature(
    *,
    index: int,
    suite: str,
    verification_method: str,
    purpose: str,
    signature: bytes,
    unsecured: Mapping[str, Any],
    config: Mapping[str, Any],
    cryptosuite: str,
    resolve: Resolve,
    loader: DocumentLoader | None,
) -> ProofResult:
    """Resolve the key, hash document and configuration, and check the signature.

    ``cryptosuite`` chooses the canonicalization (RDFC-1.0 or JCS); ``suite`` is the name
    the result reports. Every failure is a result with a reason, never an exception.
    """

    def failed(reason: str, method: ResolvedMethod | None = None) -> ProofResult:
        return proof_result(index, suite, verification_method, "failed", reason, method, purpose)

    try:
        method = resolve(verification_method)
    except CredstackError as exc:
        return failed(f"cannot resolve the verification method: {exc}")
    if not isinstance(method.public_key, Ed25519PublicKey):
        return failed(
            f"{verification_method} is not an Ed25519 key, which {suite} requires", method
        )
    try:
        hashed = hash_proof_input(unsecured, config, cryptosuite, loader)
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
        index, suite, verification_method, "verified", "signature is valid", method, purpose
    )
