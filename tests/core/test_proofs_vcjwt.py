"""OB 3.0 VC-JWT: header and claims exactly as §8.2 says; RS256, ES256, EdDSA verify."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from p256_signer import P256Signer

from credstack.core.errors import ProofError
from credstack.core.inputs import jwt_payload
from credstack.core.keys import Ed25519KeyPair, RsaKeyPair
from credstack.core.multibase import b64url_decode, b64url_encode
from credstack.core.proofs.vcjwt import sign_vc_jwt, verify_vc_jwt
from credstack.core.proofs.verification import resolve_offline

KEY = Ed25519KeyPair.from_seed(b"\x51" * 32)
DID = f"did:key:{KEY.public_multibase}"
VM = f"{DID}#{KEY.public_multibase}"
RSA_KEY = RsaKeyPair.generate()


def credential(issuer: str = DID) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:0e2ad7a2-5f4b-4a4e-9d59-2d0f3b0cbd55",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Acme Academy"},
        "validFrom": "2024-05-01T12:00:00Z",
        "validUntil": "2029-05-01T12:00:00Z",
        "name": "Data Literacy",
        "credentialSubject": {
            "id": "did:example:learner-7",
            "type": ["AchievementSubject"],
            "achievement": {"id": "https://acme.example/achievements/1", "type": ["Achievement"]},
        },
    }


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


def forge(header: dict[str, Any], payload: dict[str, Any], sign: Any) -> str:
    """Assemble a compact JWS by hand, for tokens our signer would refuse to make."""
    encoded = ".".join(b64url_encode(json.dumps(part).encode()) for part in (header, payload))
    return encoded + "." + b64url_encode(sign(encoded.encode()))


def test_eddsa_token_has_exactly_the_ob_header_and_claims() -> None:
    token = sign_vc_jwt(credential(), KEY, kid=VM)
    header, payload = parts(token)
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": VM}
    assert payload["iss"] == DID
    assert payload["jti"] == credential()["id"]
    assert payload["sub"] == "did:example:learner-7"
    assert payload["nbf"] == int(datetime(2024, 5, 1, 12, tzinfo=UTC).timestamp())
    assert payload["exp"] == int(datetime(2029, 5, 1, 12, tzinfo=UTC).timestamp())
    assert "vc" not in payload  # OB 3.0 puts the credential itself in the payload
    result = verify_vc_jwt(token, resolve=resolve_offline)
    assert result.verified, result.message
    assert result.credential == credential()
    assert result.result.controller == DID and result.result.authorised is True
    assert result.expires == datetime(2029, 5, 1, 12, tzinfo=UTC)


def test_rs256_token_with_embedded_public_jwk_verifies() -> None:
    token = sign_vc_jwt(credential("https://acme.example/issuers/acme"), RSA_KEY)
    header, _ = parts(token)
    assert header["alg"] == "RS256" and "kid" not in header
    assert "d" not in header["jwk"]
    result = verify_vc_jwt(token, resolve=resolve_offline)
    assert result.verified, result.message
    assert result.result.suite == "VC-JWT RS256"
    assert result.result.controller is None  # an embedded key proves no ownership


def test_es256_token_verifies() -> None:
    signer = P256Signer()
    jwk, sign = signer.jwk, signer.sign
    payload = {
        **credential(),
        "iss": DID,
        "jti": credential()["id"],
        "sub": "did:example:learner-7",
    }
    payload["nbf"] = int(datetime(2024, 5, 1, 12, tzinfo=UTC).timestamp())
    token = forge({"alg": "ES256", "typ": "JWT", "jwk": jwk}, payload, sign)
    result = verify_vc_jwt(token, resolve=resolve_offline)
    assert result.verified, result.message


def test_vcdm_1_1_token_with_a_vc_claim_verifies() -> None:
    vc = {k: v for k, v in credential().items() if k not in ("validFrom", "validUntil")}
    vc["issuanceDate"] = "2024-05-01T12:00:00Z"
    payload = {
        "iss": DID,
        "jti": vc["id"],
        "sub": "did:example:learner-7",
        "nbf": int(datetime(2024, 5, 1, 12, tzinfo=UTC).timestamp()),
        "vc": vc,
    }
    token = forge({"alg": "EdDSA", "typ": "JWT", "kid": VM}, payload, KEY.sign)
    result = verify_vc_jwt(token, resolve=resolve_offline)
    assert result.verified, result.message
    assert result.credential == vc


def nbf() -> int:
    return int(datetime(2024, 5, 1, 12, tzinfo=UTC).timestamp())


def good_payload() -> dict[str, Any]:
    return {
        **credential(),
        "iss": DID,
        "jti": credential()["id"],
        "sub": "did:example:learner-7",
        "nbf": nbf(),
        "exp": int(datetime(2029, 5, 1, 12, tzinfo=UTC).timestamp()),
    }


@pytest.mark.parametrize(
    ("header", "payload_change", "reason"),
    [
        ({"alg": "none", "kid": VM}, {}, "not accepted"),
        ({"alg": "HS256", "kid": VM}, {}, "not accepted"),
        ({"alg": "EdDSA", "kid": VM, "x5u": "https://x"}, {}, "not allowed"),
        ({"alg": "EdDSA", "kid": VM, "typ": "vc+jwt"}, {}, "must be 'JWT'"),
        ({"alg": "RS256", "kid": VM}, {}, "cannot check RS256"),
        ({"alg": "EdDSA"}, {}, "neither 'kid' nor 'jwk'"),
        ({"alg": "EdDSA", "jwk": KEY.private_jwk()}, {}, "private key"),
        ({"alg": "EdDSA", "kid": VM}, {"iss": "did:example:other"}, "iss"),
        ({"alg": "EdDSA", "kid": VM}, {"sub": "did:example:other"}, "sub"),
        ({"alg": "EdDSA", "kid": VM}, {"jti": "urn:uuid:other"}, "jti"),
        ({"alg": "EdDSA", "kid": VM}, {"nbf": nbf() + 1}, "nbf"),
        ({"alg": "EdDSA", "kid": VM}, {"nbf": None}, "nbf"),
        ({"alg": "EdDSA", "kid": VM}, {"exp": nbf()}, "exp"),
        ({"alg": "EdDSA", "kid": "did:web:nowhere.example#k"}, {}, "verification key"),
    ],
)
def test_tokens_breaking_ob_rules_fail_with_a_reason(
    header: dict[str, Any], payload_change: dict[str, Any], reason: str
) -> None:
    payload = {**good_payload(), **payload_change}
    payload = {k: v for k, v in payload.items() if v is not None}
    result = verify_vc_jwt(forge(header, payload, KEY.sign), resolve=resolve_offline)
    assert not result.verified
    assert reason in result.result.reason


def test_tampered_or_malformed_tokens_fail() -> None:
    token = sign_vc_jwt(credential(), KEY, kid=VM)
    header, payload, signature = token.split(".")
    changed = good_payload() | {"name": "Something else"}
    tampered = f"{header}.{b64url_encode(json.dumps(changed).encode())}.{signature}"
    result = verify_vc_jwt(tampered, resolve=resolve_offline)
    assert not result.verified and "signature does not match" in result.result.reason
    for bad in ("a.b", "not a token", f"{header}.{payload}.***"):
        assert not verify_vc_jwt(bad, resolve=resolve_offline).verified


def test_signing_needs_id_issuer_and_valid_from() -> None:
    for missing, claim in (("id", "jti"), ("validFrom", "nbf"), ("issuer", "iss")):
        incomplete = {k: v for k, v in credential().items() if k != missing}
        with pytest.raises(ProofError, match=claim):
            sign_vc_jwt(incomplete, KEY, kid=VM)


def test_a_token_without_iss_fails_even_when_the_credential_has_no_issuer() -> None:
    payload = {k: v for k, v in good_payload().items() if k != "iss"}
    payload["issuer"] = None
    result = verify_vc_jwt(
        forge({"alg": "EdDSA", "kid": VM}, payload, KEY.sign), resolve=resolve_offline
    )
    assert not result.verified
    assert "no 'iss' claim" in result.result.reason


@pytest.mark.parametrize(
    "vc_claim",
    [
        {**credential(), "name": "A different credential", "issuer": "did:example:other"},
        "not an object",
    ],
)
def test_the_parser_and_the_verifier_read_the_same_credential_from_a_payload(
    vc_claim: object,
) -> None:
    payload = {**good_payload(), "vc": vc_claim}
    token = forge({"alg": "EdDSA", "typ": "JWT", "kid": VM}, payload, KEY.sign)
    result = verify_vc_jwt(token, resolve=resolve_offline)
    assert result.verified, result.message
    assert result.credential == jwt_payload(token)
    assert result.credential is not None and result.credential["name"] == "Data Literacy"
