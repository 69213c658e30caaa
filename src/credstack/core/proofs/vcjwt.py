"""Open Badges 3.0 VC-JWT (OB 3.0 §8.2 "JSON Web Token Proof Format"): sign and verify.

The JWT payload is the credential itself plus the registered claims ``iss``
(``issuer.id``), ``jti`` (``id``), ``nbf`` (``validFrom``), ``sub``
(``credentialSubject.id``) and ``exp`` (``validUntil``, when present). The JOSE header is
``alg``, ``typ: "JWT"`` and either ``kid`` (a dereferenceable verification method) or
``jwk`` (the public key), nothing else. Verification also reads VCDM 1.1 tokens that
wrap the credential in a ``vc`` claim, as OB 3.0 asks. Signing uses ``cryptography``
directly: the format is small and a JWT library would add choices we must refuse anyway
(``none``, HMAC).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from credstack.core.dids import ResolvedMethod
from credstack.core.errors import CredstackError, InputError, ProofError
from credstack.core.json_input import load_json
from credstack.core.jsonld_values import node_id
from credstack.core.keys import SigningKeyPair, VerificationKey, public_key_from_jwk
from credstack.core.multibase import b64url_decode, b64url_encode
from credstack.core.proofs.results import ProofReport, ProofResult, proof_result
from credstack.core.timestamps import from_numeric_date, numeric_date, parse_datetime

ALGORITHMS = ("RS256", "ES256", "EdDSA")
_HEADER_MEMBERS = {"alg", "kid", "jwk", "typ"}
_PURPOSE = "assertionMethod"
#: JWT claims that secure the token; they are not part of the credential itself
REGISTERED_CLAIMS = frozenset({"iss", "jti", "nbf", "exp", "sub", "iat", "aud"})


@dataclass(frozen=True)
class JwtVerification(ProofReport):
    """A :class:`ProofReport` with one result, plus what the token carried."""

    #: the credential inside the token (payload without JWT claims, or the ``vc`` claim)
    credential: dict[str, Any] | None = None
    header: dict[str, Any] = field(default_factory=dict)
    #: ``exp`` as a datetime: OB 3.0 says it sets the credential's ``validUntil``
    expires: datetime | None = None

    @property
    def result(self) -> ProofResult:
        return self.results[0]


def sign_vc_jwt(
    credential: Mapping[str, Any],
    key: SigningKeyPair,
    *,
    kid: str | None = None,
) -> str:
    """Sign ``credential`` as an OB 3.0 compact JWS (``RS256`` or ``EdDSA`` by key type).

    ``kid`` is the verification method id verifiers dereference; without it the public
    JWK is embedded instead (OB 3.0 asks for one or the other, never both).
    """
    header: dict[str, Any] = {"alg": key.jose_algorithm, "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    else:
        header["jwk"] = key.public_jwk()
    payload = dict(credential)
    payload.update(_registered_claims(credential))
    return sign_jws(header, payload, key)


def sign_jws(header: Mapping[str, Any], payload: Mapping[str, Any], key: SigningKeyPair) -> str:
    """The compact JWS of ``payload`` under ``header`` (which names ``key``'s algorithm)."""
    signing_input = _encode_json(header) + "." + _encode_json(payload)
    signature = key.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url_encode(signature)


def _registered_claims(credential: Mapping[str, Any]) -> dict[str, Any]:
    issuer = _issuer_id(credential)
    if issuer is None:
        raise ProofError("the credential has no issuer id, which a VC-JWT needs for 'iss'")
    credential_id = credential.get("id")
    if not isinstance(credential_id, str):
        raise ProofError("the credential has no 'id', which a VC-JWT needs for 'jti'")
    valid_from = parse_datetime(credential.get("validFrom"))
    if valid_from is None:
        raise ProofError("the credential has no valid 'validFrom', which a VC-JWT needs for 'nbf'")
    claims: dict[str, Any] = {"iss": issuer, "jti": credential_id, "nbf": numeric_date(valid_from)}
    subject = _subject_id(credential)
    if subject is not None:
        claims["sub"] = subject
    if "validUntil" in credential:
        valid_until = parse_datetime(credential["validUntil"])
        if valid_until is None:
            raise ProofError(f"validUntil {credential['validUntil']!r} is not a date-time")
        claims["exp"] = numeric_date(valid_until)
    return claims


def verify_vc_jwt(token: str, *, resolve: Callable[[str], ResolvedMethod]) -> JwtVerification:
    """Verify a compact VC-JWT (RS256, ES256 or EdDSA) and its claims against the credential.

    The key comes from ``kid`` (through ``resolve``) or from an embedded public ``jwk``.
    Failures are reported in the result, never raised.
    """
    parts = token.strip().split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        return _failed("JWT", None, "a compact JWT has three dot-separated parts")
    try:
        header = load_json(b64url_decode(parts[0]), what="the JWT header")
        payload = load_json(b64url_decode(parts[1]), what="the JWT payload")
        signature = b64url_decode(parts[2])
    except InputError as exc:
        return _failed("JWT", None, str(exc))
    except ValueError:
        return _failed("JWT", None, "the JWT is not base64url-encoded JSON")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return _failed("JWT", None, "the JWT header and payload must be JSON objects")
    alg = header.get("alg")
    suite = f"VC-JWT {alg}"
    kid = header.get("kid") if isinstance(header.get("kid"), str) else None
    credential = credential_of(payload)
    if alg not in ALGORITHMS:
        return _failed(suite, kid, f"alg {alg!r} is not accepted (use {', '.join(ALGORITHMS)})")
    extra = sorted(set(header) - _HEADER_MEMBERS)
    if extra:
        return _failed(suite, kid, f"JOSE header members {extra} are not allowed by OB 3.0")
    if "typ" in header and header["typ"] != "JWT":
        return _failed(suite, kid, f"typ {header['typ']!r} must be 'JWT'")
    method: ResolvedMethod | None = None
    try:
        if kid is not None:
            method = resolve(kid)
            key: VerificationKey = method.public_key
        elif isinstance(header.get("jwk"), dict):
            if "d" in header["jwk"]:
                return _failed(suite, None, "the embedded jwk contains a private key ('d')")
            key = public_key_from_jwk(header["jwk"])
        else:
            return _failed(suite, None, "the JOSE header has neither 'kid' nor 'jwk'")
    except CredstackError as exc:
        return _failed(suite, kid, f"cannot get the verification key: {exc}")
    if alg not in key.algorithms:
        return _failed(suite, kid, f"the key cannot check {alg} signatures", header, method)
    if not key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii")):
        reason = "the signature does not match: the token was changed or signed with another key"
        return _failed(suite, kid, reason, header, method)
    problem = _claims_problem(payload, credential)
    if problem:
        return _failed(suite, kid, problem, header, method)
    expires = from_numeric_date(payload.get("exp"))
    result = proof_result(
        0, suite, kid, "verified", "signature and claims are valid", method, _PURPOSE
    )
    return JwtVerification((result,), credential, header, expires)


def _claims_problem(payload: Mapping[str, Any], credential: dict[str, Any]) -> str | None:
    """OB 3.0 §8.2.4: iss, sub, nbf, jti (and exp) must agree with the credential."""
    if not isinstance(payload.get("iss"), str):
        return "the JWT has no 'iss' claim"
    if payload.get("iss") != _issuer_id(credential):
        return (
            f"iss {payload.get('iss')!r} is not the credential's issuer {_issuer_id(credential)!r}"
        )
    subject = _subject_id(credential)
    if subject is not None and payload.get("sub") != subject:
        return f"sub {payload.get('sub')!r} is not the credential subject {subject!r}"
    if payload.get("jti") != credential.get("id"):
        return f"jti {payload.get('jti')!r} is not the credential id {credential.get('id')!r}"
    nbf = payload.get("nbf")
    valid_from = parse_datetime(credential.get("validFrom", credential.get("issuanceDate")))
    if not isinstance(nbf, int | float) or isinstance(nbf, bool):
        return "the JWT has no numeric 'nbf' claim"
    if valid_from is None or numeric_date(valid_from) != int(nbf):
        return f"nbf {nbf} does not equal the credential's validFrom"
    exp = payload.get("exp")
    if exp is not None:
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            return "the JWT 'exp' claim is not a NumericDate"
        until = credential.get("validUntil", credential.get("expirationDate"))
        if until is not None and (
            (parsed := parse_datetime(until)) is None or numeric_date(parsed) != int(exp)
        ):
            return f"exp {exp} does not equal the credential's validUntil"
    return None


def credential_of(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The credential a VC-JWT payload carries, read one way by the parser and the verifier.

    OB 3.0 puts the credential at the top of the payload beside the registered claims;
    VCDM 1.1 tokens wrap it in a ``vc`` claim, which counts only when the payload is not
    itself a credential (no top-level ``@context``).
    """
    inner = payload.get("vc")
    if isinstance(inner, dict) and "@context" not in payload:
        return inner
    return {k: v for k, v in payload.items() if k not in REGISTERED_CLAIMS}


def _failed(
    suite: str,
    kid: str | None,
    reason: str,
    header: dict[str, Any] | None = None,
    method: ResolvedMethod | None = None,
) -> JwtVerification:
    result = proof_result(0, suite, kid, "failed", reason, method, _PURPOSE)
    return JwtVerification((result,), None, header or {})


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    return node_id(credential.get("issuer"))


def _subject_id(credential: Mapping[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    return node_id(subject) if isinstance(subject, Mapping) else None


def _encode_json(value: Mapping[str, Any]) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return b64url_encode(text.encode("utf-8"))
