"""Every applicable published vector reproduces byte for byte and verifies.

W3C vc-di-eddsa (eddsa-rdfc-2022, eddsa-jcs-2022, the employment credential with its
extra context, Ed25519Signature2020, proof sets and chains), the 1EdTech OB 3.0 and
CLR 2.0 Data Integrity vectors, and the signed examples of the W3C Recommendations.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from proof_vectors import DI_EDDSA, load_json, read_text, vector_loader

from credstack.core.dids import resolve_verification_method
from credstack.core.keys import Ed25519KeyPair, load_key_file
from credstack.core.multibase import multibase_encode
from credstack.core.proofs import JCS, RDFC, sign_data_integrity, verify_proofs
from credstack.core.proofs.eddsa import hash_proof_input
from fixture_paths import VECTORS

# (folder, file suffix, cryptosuite used for hashing)
DI_CASES = [
    ("eddsa-rdfc-2022", "DataInt", RDFC),
    ("eddsa-rdfc-2022/employ", "DataInt", RDFC),
    ("eddsa-jcs-2022", "JCS", JCS),
    ("Ed25519Signature2020", "EdSig", RDFC),
]


def w3c_key() -> Ed25519KeyPair:
    key = load_key_file((DI_EDDSA / "keyPair.json").read_bytes())
    assert isinstance(key, Ed25519KeyPair)
    return key


def signed_file(folder: Path, suffix: str) -> Path:
    return next(folder.glob(f"signed*{suffix}.json"))


def without_proof(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize(("folder", "suffix", "suite"), DI_CASES)
def test_w3c_intermediate_values_reproduce(folder: str, suffix: str, suite: str) -> None:
    base = DI_EDDSA / folder
    signed = load_json(signed_file(base, suffix))
    config = load_json(base / f"proofConfig{suffix}.json")
    hashed = hash_proof_input(without_proof(signed), config, suite, vector_loader())
    assert hashed.canonical_document.decode() == read_text(base / f"canonDoc{suffix}.txt")
    assert hashed.canonical_proof_config.decode() == read_text(base / f"proofCanon{suffix}.txt")
    assert hashed.document_hash.hex() == read_text(base / f"docHash{suffix}.txt").strip()
    assert hashed.proof_config_hash.hex() == read_text(base / f"proofHash{suffix}.txt").strip()
    combined = read_text(base / f"combinedHash{suffix}.txt").strip()
    assert hashed.signing_input.hex() == combined
    signature = w3c_key().sign(hashed.signing_input)
    assert signature.hex() == read_text(base / f"sigHex{suffix}.txt").strip()
    assert multibase_encode(signature) == read_text(base / f"sigBTC58{suffix}.txt").strip()
    assert signed["proof"]["proofValue"] == multibase_encode(signature)


@pytest.mark.parametrize(("folder", "suffix", "suite"), DI_CASES)
def test_w3c_signed_vectors_verify(folder: str, suffix: str, suite: str) -> None:
    signed = load_json(signed_file(DI_EDDSA / folder, suffix))
    report = verify_proofs(signed, loader=vector_loader())
    assert report.verified, report.message
    assert report.results[0].controller == "did:key:" + w3c_key().public_multibase
    assert report.results[0].authorised is True


@pytest.mark.parametrize(("folder", "suffix", "suite"), DI_CASES[:3])
def test_signing_reproduces_the_w3c_signed_documents(folder: str, suffix: str, suite: str) -> None:
    base = DI_EDDSA / folder
    signed = load_json(signed_file(base, suffix))
    config = load_json(base / f"proofConfig{suffix}.json")
    again = sign_data_integrity(
        without_proof(signed),
        w3c_key(),
        config["verificationMethod"],
        cryptosuite=suite,
        created=config["created"],
        loader=vector_loader(),
    )
    assert again["proof"] == [signed["proof"]]
    assert without_proof(again) == without_proof(signed)


def test_proof_sets_and_chains_reproduce_and_verify() -> None:
    folder = DI_EDDSA / "proof-set-chain"
    pairs = load_json(folder / "multiKeyPairs.json")
    keys = [
        Ed25519KeyPair.from_multikey(p["publicKeyMultibase"], p["privateKeyMultibase"])
        for p in pairs.values()
    ]
    steps = [
        ("proofSetConfig1", "signedProofSet1"),
        ("proofSetConfig2", "signedProofSet2"),
        ("proofChainConfig1", "signedProofChain1"),
        ("proofChainConfig2", "signedProofChain2"),
    ]
    document = load_json(folder / "unsigned.json")
    for key, (config_name, expected_name) in zip(keys, steps, strict=True):
        config = load_json(folder / f"{config_name}.json")
        document = sign_data_integrity(
            document,
            key,
            config["verificationMethod"],
            created=config["created"],
            proof_id=config.get("id"),
            previous_proof=config.get("previousProof"),
            loader=vector_loader(),
        )
        expected = load_json(folder / f"{expected_name}.json")
        # we always emit ``proof`` as an array (OB 3.0 strict schema); the vector's first
        # step has a single object, which is the same proof set
        assert without_proof(document) == without_proof(expected)
        assert document["proof"] == as_list(expected["proof"]), expected_name
        report = verify_proofs(expected, loader=vector_loader())
        assert [r.status for r in report.results] == ["verified"] * len(as_list(expected["proof"]))


@pytest.mark.parametrize("name", ["1edtech-ob-v3p0-ldp", "1edtech-clr-v2p0-ldp"])
def test_1edtech_vectors_reproduce_and_verify_through_the_issuer_document(name: str) -> None:
    base = VECTORS / name
    key_pair = load_json(base / "key-pair.json")
    expected = load_json(base / "expected.json")
    options = load_json(base / "proof-options.json")
    unsigned = load_json(base / "unsigned-credential.json")
    key = Ed25519KeyPair.from_multikey(
        key_pair["publicKeyMultibase"], key_pair["secretKeyMultibase"]
    )
    config = {**options, "@context": unsigned["@context"]}
    hashed = hash_proof_input(unsigned, config, RDFC, None)
    assert hashed.canonical_document.decode() == read_text(base / "document-canon.nq")
    assert hashed.canonical_proof_config.decode() == read_text(base / "proof-canon.nq")
    assert hashed.document_hash.hex() == expected["documentHashHex"]
    assert hashed.proof_config_hash.hex() == expected["proofHashHex"]
    assert hashed.signing_input.hex() == expected["dataToSignHex"]
    assert key.sign(hashed.signing_input).hex() == expected["signatureHex"]
    signed = sign_data_integrity(
        unsigned, key, options["verificationMethod"], created=options["created"]
    )
    assert signed["proof"][0]["proofValue"] == expected["proofValue"]
    assert signed["proof"] == as_list(load_json(base / "signed-credential.json")["proof"])

    controller = key_pair["controller"]
    issuer_document = {
        "id": controller,
        "verificationMethod": [
            {
                "id": key_pair["verificationMethod"],
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": key_pair["publicKeyMultibase"],
            }
        ],
        "assertionMethod": [key_pair["verificationMethod"]],
    }

    def fetch(url: str) -> bytes:
        assert url == controller
        return json.dumps(issuer_document).encode()

    report = verify_proofs(
        load_json(base / "signed-credential.json"),
        resolve=lambda vm: resolve_verification_method(vm, fetch),
    )
    assert report.verified, report.message
    assert report.results[0].controller == controller


@pytest.mark.parametrize(
    "path", sorted((VECTORS / "w3c-rec-signed-examples").glob("*.json")), ids=lambda p: p.stem
)
def test_w3c_recommendation_signed_examples_verify(path: Path) -> None:
    report = verify_proofs(load_json(path), loader=vector_loader())
    assert report.verified, report.message


def test_all_six_recommendation_examples_are_present() -> None:
    assert len(list((VECTORS / "w3c-rec-signed-examples").glob("*.json"))) == 6
