"""DIDs: did:key documents, did:web documents and URLs, verification method resolution."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from proof_vectors import load_json

from credstack.core.dids import (
    did_key_document,
    did_key_for,
    did_key_verification_method,
    did_web_document,
    did_web_for,
    did_web_to_url,
    resolve_verification_method,
)
from credstack.core.errors import DIDResolutionError, FetchError, KeyFormatError
from credstack.core.keys import Ed25519KeyPair, Ed25519PublicKey, RsaKeyPair
from fixture_paths import VECTORS

KEY_1 = Ed25519KeyPair.from_seed(b"\x11" * 32)
KEY_2 = Ed25519KeyPair.from_seed(b"\x22" * 32)
KEY_3 = Ed25519KeyPair.from_seed(b"\x33" * 32)
DID = "did:web:badges.example%3A8443:issuers:acme"


def fetch_from(documents: Mapping[str, Any]) -> Any:
    """A fetcher over a fixed set of documents: the network edge, replaced."""

    def fetch(url: str) -> bytes:
        if url not in documents:
            raise FetchError(f"{url}: 404 Not Found")
        return json.dumps(documents[url]).encode()

    return fetch


def no_fetch(url: str) -> bytes:
    raise AssertionError(f"did:key must resolve without fetching, fetched {url}")


def test_did_key_document_matches_the_did_key_spec_example() -> None:
    expected = load_json(VECTORS / "did-key" / "did-key-spec-ed25519-x25519-did-document.json")
    document = did_key_document(expected["id"], derive_key_agreement=True)
    # the spec example uses the DID v1.1 context; we emit the bundled v1 + Multikey contexts
    assert {k: v for k, v in document.items() if k != "@context"} == {
        k: v for k, v in expected.items() if k != "@context"
    }
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]


def test_did_key_mappings_and_resolution_without_network() -> None:
    rows = load_json(VECTORS / "did-key" / "multikey-did-key-mappings.json")["keys"]
    for row in (r for r in rows if r["multicodecHeaderHex"] == "ed01"):
        assert did_key_for(row["publicKeyMultibase"]) == row["did"]
        assert did_key_verification_method(row["publicKeyMultibase"]) == row["verificationMethod"]
        resolved = resolve_verification_method(row["verificationMethod"], no_fetch)
        assert isinstance(resolved.public_key, Ed25519PublicKey)
        assert resolved.public_key.raw.hex() == row["rawPublicKeyHex"]
        assert resolved.controller == row["did"]
        assert resolved.is_authorised_for("assertionMethod")
        # a fragment-less did:key means its one key (the W3C status list examples do this)
        assert resolve_verification_method(row["did"], no_fetch).id == row["verificationMethod"]


def test_did_key_with_a_wrong_fragment_or_unknown_key_type_is_refused() -> None:
    with pytest.raises(DIDResolutionError, match="only key has the fragment"):
        resolve_verification_method(f"did:key:{KEY_1.public_multibase}#key-1", no_fetch)
    with pytest.raises(DIDResolutionError, match="unsupported key type"):
        resolve_verification_method(
            "did:key:z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p", no_fetch
        )
    with pytest.raises(DIDResolutionError, match="not supported"):
        resolve_verification_method("did:example:123#key", no_fetch)


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:host%3A8000:issuers:slug", "https://host:8000/issuers/slug/did.json"),
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
    ],
)
def test_did_web_maps_to_its_https_document_url(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


def test_did_web_for_a_base_url_encodes_the_port() -> None:
    assert did_web_for("https://Badges.Example:8443", "issuers", "acme") == DID
    assert did_web_for("https://badges.example/", "issuers", "acme") == (
        "did:web:badges.example:issuers:acme"
    )
    with pytest.raises(DIDResolutionError, match="https"):
        did_web_for("http://127.0.0.1:8000", "issuers", "acme")
    for bad in ("did:web:", "did:web:host::x", "did:key:z6Mk", "did:web:host#frag"):
        with pytest.raises(DIDResolutionError):
            did_web_to_url(bad)


def test_did_web_document_keeps_retired_keys_and_drops_compromised_ones() -> None:
    document = did_web_document(
        DID,
        [
            ("key-1", KEY_1.public_multibase, "retired"),
            ("#key-2", KEY_2.public_multibase, "compromised"),
            (f"{DID}#key-3", KEY_3.public_multibase, "active"),
        ],
    )
    ids = [method["id"] for method in document["verificationMethod"]]
    assert ids == [f"{DID}#key-1", f"{DID}#key-3"]
    assert document["assertionMethod"] == [f"{DID}#key-1", f"{DID}#key-3"]
    assert document["authentication"] == [f"{DID}#key-3"]
    assert KEY_2.public_multibase not in json.dumps(document)
    assert all(method["controller"] == DID for method in document["verificationMethod"])


def test_did_web_resolution_fetches_the_document_and_reports_relationships() -> None:
    document = did_web_document(
        DID,
        [("key-1", KEY_1.public_multibase, "retired"), ("key-3", KEY_3.public_multibase, "active")],
    )
    fetch = fetch_from({"https://badges.example:8443/issuers/acme/did.json": document})
    retired = resolve_verification_method(f"{DID}#key-1", fetch)
    assert retired.public_key == KEY_1.public_key
    assert retired.controller == DID
    assert retired.purposes == frozenset({"assertionMethod"})
    active = resolve_verification_method(f"{DID}#key-3", fetch)
    assert active.purposes == frozenset({"assertionMethod", "authentication"})
    with pytest.raises(DIDResolutionError, match="not a verification method listed"):
        resolve_verification_method(f"{DID}#key-2", fetch)


def test_https_controller_document_with_relative_references() -> None:
    controller = "https://example.edu/issuers/565049"
    document = {
        "@context": ["https://www.w3.org/ns/cid/v1"],
        "id": controller,
        "verificationMethod": [
            {
                "id": "#key-1",
                "type": "Ed25519VerificationKey2020",
                "controller": controller,
                "publicKeyMultibase": KEY_1.public_multibase,
            },
            {
                "id": f"{controller}#rsa",
                "type": "JsonWebKey2020",
                "controller": controller,
                "publicKeyJwk": RsaKeyPair.generate().public_jwk(),
            },
        ],
        "assertionMethod": ["#key-1"],
    }
    fetch = fetch_from({controller: document})
    resolved = resolve_verification_method(f"{controller}#key-1", fetch)
    assert resolved.public_key == KEY_1.public_key
    assert resolved.is_authorised_for("assertionMethod")
    rsa_method = resolve_verification_method(f"{controller}#rsa", fetch)
    assert rsa_method.public_key.algorithms == ("RS256",)
    assert not rsa_method.is_authorised_for("assertionMethod")


def test_fragmentless_method_document_is_checked_against_its_controller() -> None:
    key_url, controller = "https://keys.example/k1", "https://issuer.example/profile"
    method = {
        "id": key_url,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": KEY_1.public_multibase,
    }
    listed = {"id": controller, "assertionMethod": [key_url]}
    resolved = resolve_verification_method(
        key_url, fetch_from({key_url: method, controller: listed})
    )
    assert resolved.controller == controller
    assert resolved.is_authorised_for("assertionMethod")
    unlisted = {"id": controller, "assertionMethod": []}
    resolved = resolve_verification_method(
        key_url, fetch_from({key_url: method, controller: unlisted})
    )
    assert not resolved.is_authorised_for("assertionMethod")


def test_a_method_claiming_another_controller_is_refused() -> None:
    controller = "https://issuer.example/profile"
    document = {
        "id": controller,
        "verificationMethod": [
            {
                "id": f"{controller}#k",
                "type": "Multikey",
                "controller": "https://attacker.example/",
                "publicKeyMultibase": KEY_1.public_multibase,
            }
        ],
        "assertionMethod": [f"{controller}#k"],
    }
    with pytest.raises(DIDResolutionError, match="does not belong"):
        resolve_verification_method(f"{controller}#k", fetch_from({controller: document}))


def test_jwk_and_jwks_kid_documents_resolve_without_a_controller() -> None:
    rsa_jwk = RsaKeyPair.generate().public_jwk()
    fetch = fetch_from(
        {
            "https://issuer.example/jwk": rsa_jwk,
            "https://issuer.example/jwks": {"keys": [{**rsa_jwk, "kid": "k1"}]},
        }
    )
    bare = resolve_verification_method("https://issuer.example/jwk", fetch)
    assert bare.controller is None and bare.purposes == frozenset()
    in_set = resolve_verification_method("https://issuer.example/jwks#k1", fetch)
    assert in_set.public_key.to_jwk() == rsa_jwk
    with pytest.raises(DIDResolutionError, match="no single key"):
        resolve_verification_method("https://issuer.example/jwks#k2", fetch)


def test_resolution_failures_are_did_resolution_errors_naming_the_problem() -> None:
    fetch = fetch_from(
        {
            "https://a.example/doc": {"id": "https://elsewhere.example/doc"},
            "https://a.example/list": [1, 2],
            "https://a.example/private": {
                "id": "https://a.example/private",
                "verificationMethod": [
                    {
                        "id": "https://a.example/private#k",
                        "type": "JsonWebKey2020",
                        "publicKeyJwk": KEY_1.private_jwk(),
                    }
                ],
            },
        }
    )
    cases = [
        ("https://a.example/missing#k", "404"),
        ("https://a.example/doc#k", "has id 'https://elsewhere.example/doc'"),
        ("https://a.example/list#k", "not a JSON object"),
        ("https://a.example/private#k", "private key"),
        ("ftp://a.example/x", "neither a DID URL nor an https URL"),
    ]
    for vm_id, message in cases:
        with pytest.raises(DIDResolutionError, match=message):
            resolve_verification_method(vm_id, fetch)


def test_did_web_document_publishes_an_rsa_key_as_json_web_key() -> None:
    rsa_pair = RsaKeyPair.generate()
    document = did_web_document(
        DID,
        [("key-1", KEY_1.public_multibase, "active"), ("rsa-1", rsa_pair.public_jwk(), "active")],
    )
    assert "https://w3id.org/security/jwk/v1" in document["@context"]
    rsa_method = document["verificationMethod"][1]
    assert rsa_method["type"] == "JsonWebKey"
    assert rsa_method["publicKeyJwk"] == rsa_pair.public_jwk()
    fetch = fetch_from({"https://badges.example:8443/issuers/acme/did.json": document})
    resolved = resolve_verification_method(f"{DID}#rsa-1", fetch)
    assert resolved.public_key.algorithms == ("RS256",)
    assert resolved.is_authorised_for("assertionMethod")
    with pytest.raises(KeyFormatError, match="private JWK"):
        did_web_document(DID, [("rsa-2", rsa_pair.private_jwk(), "active")])
