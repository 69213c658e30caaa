"""eddsa-rdfc-2022 interoperability between Credstack and the JavaScript reference
implementation (@digitalbazaar/vc 7.3 + eddsa-rdfc-2022-cryptosuite 1.3, jsonld 9.0).

Credstack -> JS: what ``sign_data_integrity`` produces verifies in vc.js (issuer = key
controller included), for did:key and did:web issuers and with a Credstack-signed
status list. JS -> Credstack: what vc.js signs passes ``verify_proofs``. Every direction
has a tampered counterpart, and since Ed25519 is deterministic, both sides must even
produce the very same ``proofValue`` for the same key and input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from controller_documents import tampered
from js_reference import JsReference
from ob3_samples import SAMPLES, SCHEMA_VALID, direction_tagged_credential, eu_micro_credential

from credstack.core.dids import (
    ResolvedMethod,
    did_key_verification_method,
    did_web_document,
    did_web_to_url,
    resolve_verification_method,
)
from credstack.core.errors import DIDResolutionError
from credstack.core.keys import Ed25519KeyPair
from credstack.core.proofs import sign_data_integrity, verify_proofs
from credstack.core.schemas import validate_credential
from credstack.core.status_list import (
    StatusBitstring,
    encode_list,
    status_list_credential,
    status_list_entry,
)

pytestmark = pytest.mark.interop

CREATED = "2025-03-01T09:00:00Z"
NOW = "2026-01-01T00:00:00Z"
Build = Callable[[str], dict[str, Any]]

#: every sample, plus an RTL name with @direction (w3c/vc-data-integrity#366)
ALL_SAMPLES: dict[str, Build] = {**SAMPLES, "direction-rtl": direction_tagged_credential}

#: per sample, a change a forger would want, which both verifiers must notice
FORGERIES: dict[str, tuple[tuple[str | int, ...], Any]] = {
    "eu-micro-credential": (("credentialSubject", "result", 0, "value"), "1,0"),
    "multilingual-escapes": (("description",), 'Tab\there, a backslash \\ and "quotes".'),
    "language-tagged": (("name", 0, "@language"), "en"),
    "direction-rtl": (("name", "@direction"), "ltr"),
}


@pytest.fixture(scope="module")
def issuer_key() -> Ed25519KeyPair:
    return Ed25519KeyPair.from_seed(bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc4" * 2))


@pytest.fixture(scope="module")
def issuer_vm(issuer_key: Ed25519KeyPair) -> str:
    return did_key_verification_method(issuer_key.public_multibase)


def _did(vm: str) -> str:
    return vm.split("#", 1)[0]


def _forge(name: str, credential: dict[str, Any]) -> dict[str, Any]:
    path, value = FORGERIES[name]
    forged = tampered(credential, *path, value=value)
    assert forged != credential
    return forged


def _credstack_signs(credential: dict[str, Any], key: Ed25519KeyPair, vm: str) -> dict[str, Any]:
    return sign_data_integrity(credential, key, vm, created=CREATED)


@pytest.mark.parametrize("name", SCHEMA_VALID)
def test_issuable_samples_pass_the_ob3_schema(
    issuer_key: Ed25519KeyPair, issuer_vm: str, name: str
) -> None:
    """The samples stand for what Credstack issues, so they must be valid OB 3.0."""
    signed = _credstack_signs(ALL_SAMPLES[name](_did(issuer_vm)), issuer_key, issuer_vm)
    assert validate_credential(signed) == []


# --- 2. Credstack signs, JavaScript verifies ------------------------------------------------


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_reference_verifies_what_credstack_signs(
    js: JsReference, issuer_key: Ed25519KeyPair, issuer_vm: str, name: str
) -> None:
    signed = _credstack_signs(ALL_SAMPLES[name](_did(issuer_vm)), issuer_key, issuer_vm)
    result = js.verify(signed, now=NOW)
    assert result.verified, result.errors
    assert result.issuer_checked


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_reference_rejects_credstack_credentials_changed_after_signing(
    js: JsReference, issuer_key: Ed25519KeyPair, issuer_vm: str, name: str
) -> None:
    signed = _credstack_signs(ALL_SAMPLES[name](_did(issuer_vm)), issuer_key, issuer_vm)
    result = js.verify(_forge(name, signed), now=NOW)
    assert not result.verified
    assert any("Invalid signature" in error for error in result.errors), result.errors


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_both_implementations_produce_the_same_proof(
    js: JsReference, issuer_key: Ed25519KeyPair, issuer_vm: str, name: str
) -> None:
    unsigned = ALL_SAMPLES[name](_did(issuer_vm))
    ours = _credstack_signs(unsigned, issuer_key, issuer_vm)["proof"][0]
    theirs = js.sign(
        unsigned,
        key_pair=issuer_key.multikey_pair(),
        verification_method=issuer_vm,
        created=CREATED,
    )["proof"]
    assert ours == theirs


def test_reference_follows_credstack_did_web_key_rotation(js: JsReference) -> None:
    """Retired keys keep verifying; a compromised key is dropped from the DID document."""
    did = "did:web:credentials.example.org:issuers:tu-sued"
    retired, active = (Ed25519KeyPair.from_seed(bytes([n]) * 32) for n in (1, 2))
    compromised = Ed25519KeyPair.from_seed(bytes([3]) * 32)
    document = did_web_document(
        did,
        [
            ("key-1", retired.public_multibase, "retired"),
            ("key-2", active.public_multibase, "active"),
            ("key-3", compromised.public_multibase, "compromised"),
        ],
    )
    for fragment, key in (("key-1", retired), ("key-2", active)):
        signed = _credstack_signs(eu_micro_credential(did), key, f"{did}#{fragment}")
        result = js.verify(signed, documents={did: document}, now=NOW)
        assert result.verified, (fragment, result.errors)
    leaked = _credstack_signs(eu_micro_credential(did), compromised, f"{did}#key-3")
    assert not js.verify(leaked, documents={did: document}, now=NOW).verified


@pytest.mark.parametrize(("revoked_index", "revoked"), [(None, False), (40_961, True)])
def test_reference_reads_credstack_status_lists(
    js: JsReference,
    issuer_key: Ed25519KeyPair,
    issuer_vm: str,
    revoked_index: int | None,
    revoked: bool,
) -> None:
    """An issued credential and its signed BitstringStatusListCredential, both Credstack's."""
    did, list_url = _did(issuer_vm), "https://credentials.example.org/status/3"
    bits = StatusBitstring()
    bits.set(12)  # someone else's revoked credential, in the same list
    if revoked_index is not None:
        bits.set(revoked_index)
    status_list = _credstack_signs(
        status_list_credential(list_url, did, encode_list(bits), "2025-01-01T00:00:00Z"),
        issuer_key,
        issuer_vm,
    )
    credential = {
        **eu_micro_credential(did),
        "credentialStatus": status_list_entry(list_url, 40_961),
    }
    signed = _credstack_signs(credential, issuer_key, issuer_vm)

    result = js.verify(signed, documents={list_url: status_list}, now=NOW)
    assert result.status is not None and result.status["checked"], result.errors
    assert result.status["revoked"] is revoked
    assert result.status["entries"] == [
        {"statusPurpose": "revocation", "statusListIndex": "40961", "set": revoked}
    ]
    assert result.verified is not revoked, result.errors


def test_reference_rejects_a_credstack_status_list_changed_after_signing(
    js: JsReference, issuer_key: Ed25519KeyPair, issuer_vm: str
) -> None:
    did, list_url = _did(issuer_vm), "https://credentials.example.org/status/4"
    revoked_bits, cleared_bits = StatusBitstring(), StatusBitstring()
    revoked_bits.set(7)
    status_list = _credstack_signs(
        status_list_credential(list_url, did, encode_list(revoked_bits), "2025-01-01T00:00:00Z"),
        issuer_key,
        issuer_vm,
    )
    # a revoked learner "un-revokes" themselves by serving a cleared list
    forged = tampered(
        status_list, "credentialSubject", "encodedList", value=encode_list(cleared_bits)
    )
    credential = {**eu_micro_credential(did), "credentialStatus": status_list_entry(list_url, 7)}
    result = js.verify(
        _credstack_signs(credential, issuer_key, issuer_vm),
        documents={list_url: forged},
        now=NOW,
    )
    assert not result.verified
    assert result.status is not None and not result.status["checked"]


# --- 3. JavaScript signs, Credstack verifies ------------------------------------------------


def _js_signs(
    js: JsReference, credential: dict[str, Any], key: Ed25519KeyPair, vm: str
) -> dict[str, Any]:
    return js.sign(
        credential, key_pair=key.multikey_pair(), verification_method=vm, created=CREATED
    )


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_credstack_verifies_what_the_reference_signs(
    js: JsReference, issuer_key: Ed25519KeyPair, issuer_vm: str, name: str
) -> None:
    signed = _js_signs(js, ALL_SAMPLES[name](_did(issuer_vm)), issuer_key, issuer_vm)
    assert isinstance(signed["proof"], dict)  # vc.js emits a single proof object
    report = verify_proofs(signed)
    assert report.verified, report.message
    (result,) = report.results
    assert (result.suite, result.verification_method) == ("eddsa-rdfc-2022", issuer_vm)
    assert result.authorised is True


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_credstack_rejects_reference_credentials_changed_after_signing(
    js: JsReference, issuer_key: Ed25519KeyPair, issuer_vm: str, name: str
) -> None:
    signed = _js_signs(js, ALL_SAMPLES[name](_did(issuer_vm)), issuer_key, issuer_vm)
    report = verify_proofs(_forge(name, signed))
    assert not report.verified
    assert "signature does not match" in report.message


def _resolver_serving(did: str, document: dict[str, Any]) -> Callable[[str], ResolvedMethod]:
    """Credstack's resolver, with the network edge replaced by one served DID document."""

    def fetch(url: str) -> bytes:
        if url != did_web_to_url(did):
            raise DIDResolutionError(f"unexpected fetch of {url}")
        return json.dumps(document).encode("utf-8")

    return lambda vm_id: resolve_verification_method(vm_id, fetch)


def test_credstack_verifies_a_reference_signature_under_did_web(js: JsReference) -> None:
    did = "did:web:badges.example.jp:issuers:tokyo-data"
    key = Ed25519KeyPair.from_seed(bytes([9]) * 32)
    signed = _js_signs(js, eu_micro_credential(did), key, f"{did}#key-1")

    document = did_web_document(did, [("key-1", key.public_multibase, "active")])
    report = verify_proofs(signed, resolve=_resolver_serving(did, document))
    assert report.verified, report.message
    assert report.results[0].controller == did

    other_key = Ed25519KeyPair.from_seed(bytes([10]) * 32).public_multibase
    replaced = did_web_document(did, [("key-1", other_key, "active")])
    assert not verify_proofs(signed, resolve=_resolver_serving(did, replaced)).verified
