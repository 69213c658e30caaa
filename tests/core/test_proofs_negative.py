"""Proofs that must NOT verify, and signing mistakes that must be refused with a reason."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from proof_vectors import DI_EDDSA, load_json, vector_loader

from credstack.core.dids import ResolvedMethod, resolve_verification_method
from credstack.core.errors import CanonicalizationError, ProofError
from credstack.core.keys import Ed25519KeyPair, RsaKeyPair
from credstack.core.multibase import multibase_decode, multibase_encode
from credstack.core.proofs import JCS, RDFC, sign_data_integrity, verify_proofs
from credstack.core.proofs.eddsa import hash_proof_input
from fixture_paths import VECTORS

ISSUER_KEY = Ed25519KeyPair.from_seed(b"\x42" * 32)
OTHER_KEY = Ed25519KeyPair.from_seed(b"\x43" * 32)
VM = f"did:key:{ISSUER_KEY.public_multibase}#{ISSUER_KEY.public_multibase}"
CREATED = "2024-05-01T12:00:00Z"


def credential() -> dict[str, Any]:
    document: dict[str, Any] = load_json(
        VECTORS / "1edtech-ob-v3p0-ldp" / "unsigned-credential.json"
    )
    document["issuer"]["id"] = f"did:key:{ISSUER_KEY.public_multibase}"
    return document


def signed(suite: str = RDFC) -> dict[str, Any]:
    return sign_data_integrity(credential(), ISSUER_KEY, VM, cryptosuite=suite, created=CREATED)


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_a_fresh_signature_verifies(suite: str) -> None:
    report = verify_proofs(signed(suite))
    assert report.verified, report.message
    assert report.results[0].suite == suite
    assert report.results[0].verification_method == VM


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_changing_a_value_breaks_the_signature(suite: str) -> None:
    document = signed(suite)
    document["credentialSubject"]["achievement"]["name"] = "Leadership"
    report = verify_proofs(document)
    assert not report.verified
    assert "signature does not match" in report.results[0].reason


def test_a_signature_by_another_key_fails() -> None:
    document = signed()
    other_vm = f"did:key:{OTHER_KEY.public_multibase}#{OTHER_KEY.public_multibase}"
    forged = sign_data_integrity(credential(), OTHER_KEY, other_vm, created=CREATED)
    document["proof"][0]["proofValue"] = forged["proof"][0]["proofValue"]
    assert not verify_proofs(document).verified

    def resolve_to_other_key(vm_id: str) -> ResolvedMethod:
        resolved = resolve_verification_method(other_vm, lambda url: b"")
        return ResolvedMethod(
            vm_id, "Multikey", resolved.controller, resolved.public_key, resolved.purposes
        )

    report = verify_proofs(signed(), resolve=resolve_to_other_key)
    assert not report.verified
    assert "another key" in report.results[0].reason


def test_claiming_the_other_cryptosuite_fails() -> None:
    document = signed(RDFC)
    document["proof"][0]["cryptosuite"] = JCS
    assert not verify_proofs(document).verified
    document["proof"][0]["cryptosuite"] = "ecdsa-rdfc-2019"
    report = verify_proofs(document)
    assert not report.verified
    assert report.results[0].status == "unsupported"
    assert "not supported" in report.results[0].reason


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda v: "u" + multibase_encode(multibase_decode(v), "u")[1:], "must be base58btc"),
        (lambda v: v[:-3] + "0OI", "not valid base58btc"),
        (lambda v: multibase_encode(multibase_decode(v)[:63]), "holds 63 bytes"),
        (lambda v: "", "no proofValue"),
    ],
)
def test_bad_proof_value_encodings_are_reported(mangle: Any, reason: str) -> None:
    document = signed()
    document["proof"][0]["proofValue"] = mangle(document["proof"][0]["proofValue"])
    report = verify_proofs(document)
    assert not report.verified
    assert reason in report.results[0].reason


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("proofPurpose", "authentication", "needs 'assertionMethod'"),
        ("created", "2024-05-01 12:00", "dateTimeStamp"),
        ("created", "2024-05-01T12:00:00", "dateTimeStamp"),
        ("verificationMethod", 7, "no verificationMethod"),
    ],
)
def test_proof_configuration_checks(field: str, value: Any, reason: str) -> None:
    document = signed()
    document["proof"][0][field] = value
    report = verify_proofs(document)
    assert not report.verified
    assert reason in report.results[0].reason


def test_jcs_proof_context_must_start_the_document_context() -> None:
    document = signed(JCS)
    document["proof"][0]["@context"] = ["https://www.w3.org/ns/credentials/examples/v2"]
    report = verify_proofs(document)
    assert not report.verified
    assert "@context" in report.results[0].reason


def test_unknown_proof_type_beside_a_valid_proof_is_reported_not_fatal() -> None:
    document = signed()
    document["proof"].insert(0, {"type": "BbsBlsSignature2020", "proofValue": "x"})
    report = verify_proofs(document)
    assert report.verified
    assert [r.status for r in report.results] == ["unsupported", "verified"]
    assert "ignored" in report.message


def test_no_proof_and_missing_previous_proof() -> None:
    assert not verify_proofs(credential()).verified
    assert verify_proofs(credential()).message == "the credential has no proof"
    document = signed()
    document["proof"][0]["previousProof"] = "urn:uuid:not-there"
    report = verify_proofs(document)
    assert "not among the document's proofs" in report.results[0].reason


def test_unresolvable_method_is_a_failed_proof_with_the_reason() -> None:
    document = signed()
    document["proof"][0]["verificationMethod"] = "https://issuer.example/keys#1"
    report = verify_proofs(document)
    assert not report.verified
    assert "no fetcher was given" in report.results[0].reason


def test_signing_adds_to_a_proof_set_without_touching_the_input() -> None:
    original = signed()
    before = copy.deepcopy(original)
    other_vm = f"did:key:{OTHER_KEY.public_multibase}#{OTHER_KEY.public_multibase}"
    both = sign_data_integrity(original, OTHER_KEY, other_vm, created=CREATED, cryptosuite=JCS)
    assert original == before
    assert [p["cryptosuite"] for p in both["proof"]] == [RDFC, JCS]
    assert [r.status for r in verify_proofs(both).results] == ["verified", "verified"]


def test_created_accepts_aware_datetimes_only() -> None:
    at = datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    document = sign_data_integrity(credential(), ISSUER_KEY, VM, created=at)
    assert document["proof"][0]["created"] == "2024-05-01T12:00:00Z"
    with pytest.raises(ProofError, match="time zone"):
        sign_data_integrity(credential(), ISSUER_KEY, VM, created=datetime(2024, 5, 1))
    with pytest.raises(ProofError, match="dateTimeStamp"):
        sign_data_integrity(credential(), ISSUER_KEY, VM, created="yesterday")


def test_signing_mistakes_are_refused() -> None:
    with pytest.raises(ProofError, match="not the signing key"):
        sign_data_integrity(credential(), OTHER_KEY, VM, created=CREATED)
    with pytest.raises(ProofError, match="Ed25519 key"):
        sign_data_integrity(
            credential(), RsaKeyPair.generate(), "https://x.example/k", created=CREATED
        )  # type: ignore[arg-type]
    with pytest.raises(ProofError, match="unknown cryptosuite"):
        sign_data_integrity(credential(), ISSUER_KEY, VM, created=CREATED, cryptosuite="rsa-2018")


def test_undefined_terms_make_rdfc_signing_and_verification_fail() -> None:
    document = credential()
    document["favouriteColour"] = "green"
    with pytest.raises(CanonicalizationError):
        sign_data_integrity(document, ISSUER_KEY, VM, created=CREATED)
    secured = signed()
    secured["favouriteColour"] = "green"
    report = verify_proofs(secured)
    assert not report.verified
    assert "canonicalized" in report.results[0].reason


def test_an_expired_proof_fails_when_the_time_is_given() -> None:
    document = credential()
    proof_with_expiry = sign_data_integrity(document, ISSUER_KEY, VM, created=CREATED)
    # ``expires`` is part of the signed proof configuration, so sign it in: re-sign by hand
    config = {k: v for k, v in proof_with_expiry["proof"][0].items() if k != "proofValue"}
    config["expires"] = "2025-01-01T00:00:00Z"
    hashed = hash_proof_input(document, {**config, "@context": document["@context"]}, RDFC, None)
    signed_doc = {
        **document,
        "proof": [
            {**config, "proofValue": multibase_encode(ISSUER_KEY.sign(hashed.signing_input))}
        ],
    }
    assert verify_proofs(signed_doc).verified
    assert verify_proofs(signed_doc, now=datetime(2024, 12, 31, tzinfo=UTC)).verified
    late = verify_proofs(signed_doc, now=datetime(2025, 1, 2, tzinfo=UTC))
    assert not late.verified
    assert "expired" in late.results[0].reason


def test_only_a_bounded_number_of_proofs_is_checked() -> None:
    document = signed()
    document["proof"] = [*[{"type": "Unknown"}] * 3, document["proof"][0]]
    report = verify_proofs(document, max_proofs=3)
    assert not report.verified
    assert "only the first 3 proofs" in report.results[3].reason
    assert verify_proofs(document).verified


def _signed_2020() -> dict[str, Any]:
    folder = DI_EDDSA / "Ed25519Signature2020"
    return dict(load_json(next(folder.glob("signed*EdSig.json"))))


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        (None, None, "signature is valid"),
        ("proofPurpose", "authentication", "needs 'assertionMethod'"),
        ("created", None, "dateTimeStamp"),
        ("created", "2024-05-01T12:00:00", "dateTimeStamp"),
        ("expires", "next year", "dateTimeStamp"),
        ("verificationMethod", None, "no verificationMethod"),
        ("proofValue", "u" + "A" * 86, "must be base58btc"),
        ("proofValue", None, "no proofValue"),
    ],
)
def test_ed25519_signature_2020_proofs_get_the_same_checks_as_data_integrity(
    field: str | None, value: Any, reason: str
) -> None:
    document = _signed_2020()
    proof = dict(document["proof"])
    if field is not None:
        if value is None:
            del proof[field]
        else:
            proof[field] = value
    document["proof"] = proof
    report = verify_proofs(document, loader=vector_loader())
    assert report.results[0].suite == "Ed25519Signature2020"
    assert report.verified is (field is None)
    assert reason in report.results[0].reason


def test_ed25519_signature_2020_refuses_a_key_that_is_not_ed25519() -> None:
    rsa = RsaKeyPair.generate()
    document = _signed_2020()

    def resolve_to_rsa(vm_id: str) -> ResolvedMethod:
        return ResolvedMethod(vm_id, "JsonWebKey", "did:example:x", rsa.public_key, frozenset())

    report = verify_proofs(document, resolve=resolve_to_rsa, loader=vector_loader())
    assert not report.verified
    assert "not an Ed25519 key, which Ed25519Signature2020 requires" in report.results[0].reason
