"""DIF domain linkage: JWT and JSON-LD credentials with real keys, and every way to fail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from verify_fixtures import ISSUER, OTHER, Issuer

from credstack.core.contexts import offline_loader
from credstack.core.domain_linkage import (
    CONTEXT,
    CONTEXT_DOCUMENT,
    check_did_configuration,
    configuration_url,
    did_configuration,
    linkage_credential,
    origin_of,
    sign_linkage_jwt,
)
from credstack.core.errors import InputError
from credstack.core.proofs import resolve_offline, sign_data_integrity

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ORIGIN = "https://northbridge-university.example"
LOADER = offline_loader(extra={CONTEXT: CONTEXT_DOCUMENT})


def signed_json_ld(credential: dict[str, Any], by: Issuer = ISSUER) -> dict[str, Any]:
    return sign_data_integrity(
        credential, by.key, by.vm, created="2026-05-01T00:00:00Z", loader=LOADER
    )


def jwt_for(
    issuer: Issuer, *, origin: str = ORIGIN, days: int = 365, signer: Issuer | None = None
) -> str:
    credential = linkage_credential(
        issuer.did, origin, issued=NOW - timedelta(days=1), expires=NOW + timedelta(days=days)
    )
    by = signer or issuer
    return sign_linkage_jwt(credential, by.key, by.vm)


def check(linked: list[str | dict[str, Any]], *, did: str = ISSUER.did, now: datetime = NOW) -> Any:
    data = json.dumps(did_configuration(linked)).encode()
    return check_did_configuration(data, origin=ORIGIN, did=did, resolve=resolve_offline, now=now)


def test_a_jwt_linkage_signed_by_the_did_links_the_origin() -> None:
    result = check([jwt_for(OTHER), jwt_for(ISSUER)])
    assert result.linked, result.message
    assert result.expires == NOW + timedelta(days=365)
    assert result.message == (
        f"{ORIGIN} is linked to {ISSUER.did} by a JWT Domain Linkage Credential valid until "
        "2027-06-01T12:00:00Z"
    )


def test_a_json_ld_linkage_with_a_data_integrity_proof_links_too() -> None:
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", CONTEXT],
        "type": ["VerifiableCredential", "DomainLinkageCredential"],
        "issuer": ISSUER.did,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": ISSUER.did, "origin": ORIGIN},
    }
    result = check([signed_json_ld(credential)])
    assert result.linked, result.message
    assert "JSON-LD Domain Linkage Credential" in result.message
    tampered = signed_json_ld(credential)
    tampered["credentialSubject"]["origin"] = "https://evil.example"
    refused = check([tampered])
    assert not refused.linked
    assert "proof does not verify" in refused.message


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (lambda: jwt_for(ISSUER, origin="https://elsewhere.example"), "names the origin"),
        (lambda: jwt_for(ISSUER, days=-1), "expired on"),
        (lambda: jwt_for(ISSUER, signer=OTHER), f"belongs to {OTHER.did}, not to the issuer"),
        (lambda: jwt_for(ISSUER)[:-4] + "AAAA", "does not match"),
    ],
    ids=["other-origin", "expired", "someone-elses-key", "tampered"],
)
def test_a_linkage_that_does_not_hold_says_why(entry: Any, expected: str) -> None:
    result = check([entry()])
    assert not result.linked
    assert result.message.startswith(f"{configuration_url(ORIGIN)} names {ISSUER.did}, but ")
    assert expected in result.message


def test_a_credential_that_links_someone_elses_did_does_not_count() -> None:
    result = check([jwt_for(OTHER)])
    assert not result.linked
    assert result.message == (
        f"{ORIGIN}/.well-known/did-configuration.json has no Domain Linkage Credential for "
        f"{ISSUER.did} (it names {OTHER.did})"
    )


def test_a_valid_proof_over_a_credential_of_another_kind_does_not_link() -> None:
    credential = linkage_credential(
        ISSUER.did, ORIGIN, issued=NOW - timedelta(days=1), expires=NOW + timedelta(days=9)
    )
    credential["type"] = ["VerifiableCredential"]
    result = check([sign_linkage_jwt(credential, ISSUER.key, ISSUER.vm)])
    assert not result.linked and "is not of type DomainLinkageCredential" in result.message


def test_unsigned_json_ld_and_garbage_are_refused() -> None:
    unsigned = linkage_credential(
        ISSUER.did, ORIGIN, issued=NOW - timedelta(days=1), expires=NOW + timedelta(days=9)
    )
    assert "carries no proof" in check([unsigned]).message
    not_json = check_did_configuration(
        b"<html>", origin=ORIGIN, did=ISSUER.did, resolve=resolve_offline, now=NOW
    )
    assert not_json.message.endswith("is not JSON")
    no_list = check_did_configuration(
        b"{}", origin=ORIGIN, did=ISSUER.did, resolve=resolve_offline, now=NOW
    )
    assert "has no 'linked_dids' list" in no_list.message


def test_a_data_integrity_proof_by_another_did_is_not_the_dids_own() -> None:
    credential = linkage_credential(
        ISSUER.did, ORIGIN, issued=NOW - timedelta(days=1), expires=NOW + timedelta(days=9)
    )
    credential["@context"].append("https://w3id.org/security/data-integrity/v2")
    signed = signed_json_ld(credential, OTHER)
    result = check([signed])
    assert not result.linked
    assert f"belongs to {OTHER.did}" in result.message


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://Example.org:443/about?x=1", "https://example.org"),
        ("identity.foundation", "https://identity.foundation"),
        ("http://127.0.0.1:8123/", "http://127.0.0.1:8123"),
    ],
)
def test_origins_are_scheme_host_and_port(given: str, origin: str) -> None:
    assert origin_of(given) == origin


def test_an_address_that_is_not_a_website_is_refused() -> None:
    with pytest.raises(InputError):
        origin_of("ftp://example.org")
