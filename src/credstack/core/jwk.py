"""JSON Web Key (RFC 7517/7518) members to and from ``cryptography`` key objects.

Kept apart from :mod:`credstack.core.keys` so the key classes read as behaviour and this
module as the encoding rules (base64url big-endian integers, required members).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from credstack.core.errors import KeyFormatError
from credstack.core.multibase import b64url_decode, b64url_encode


def jwk_b64(data: bytes) -> str:
    """base64url without padding, the JWK encoding of octets."""
    return b64url_encode(data)


def jwk_bytes(jwk: Mapping[str, Any], member: str) -> bytes:
    """The octets of a base64url JWK member; missing or malformed -> ``KeyFormatError``."""
    value = jwk.get(member)
    if not isinstance(value, str) or not value:
        raise KeyFormatError(f"the JWK has no '{member}' member (a base64url string)")
    try:
        return b64url_decode(value)
    except ValueError as exc:
        raise KeyFormatError(f"the JWK member '{member}' is not base64url: {exc}") from exc


def _int(jwk: Mapping[str, Any], member: str) -> int:
    return int.from_bytes(jwk_bytes(jwk, member), "big")


def _int_b64(value: int) -> str:
    return jwk_b64(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def rsa_public_from_jwk(jwk: Mapping[str, Any]) -> rsa.RSAPublicKey:
    """An RSA public key from the ``n`` and ``e`` members."""
    if jwk.get("kty") != "RSA":
        raise KeyFormatError("expected a JWK with kty RSA")
    try:
        return rsa.RSAPublicNumbers(_int(jwk, "e"), _int(jwk, "n")).public_key()
    except ValueError as exc:
        raise KeyFormatError(f"the RSA JWK is not a valid public key: {exc}") from exc


def rsa_private_from_jwk(jwk: Mapping[str, Any]) -> rsa.RSAPrivateKey:
    """An RSA private key; the CRT members are recomputed when only ``d`` is given."""
    public = rsa_public_from_jwk(jwk).public_numbers()
    if "d" not in jwk:
        raise KeyFormatError("the RSA JWK has no private part 'd': it can verify but not sign")
    d = _int(jwk, "d")
    try:
        if all(member in jwk for member in ("p", "q")):
            p, q = _int(jwk, "p"), _int(jwk, "q")
        else:
            p, q = rsa.rsa_recover_prime_factors(public.n, public.e, d)
        numbers = rsa.RSAPrivateNumbers(
            p=p,
            q=q,
            d=d,
            dmp1=rsa.rsa_crt_dmp1(d, p),
            dmq1=rsa.rsa_crt_dmq1(d, q),
            iqmp=rsa.rsa_crt_iqmp(p, q),
            public_numbers=public,
        )
        return numbers.private_key()
    except ValueError as exc:
        raise KeyFormatError(f"the RSA JWK is not a consistent private key: {exc}") from exc


def rsa_public_to_jwk(key: rsa.RSAPublicKey) -> dict[str, str]:
    numbers = key.public_numbers()
    return {"kty": "RSA", "n": _int_b64(numbers.n), "e": _int_b64(numbers.e)}


def rsa_private_to_jwk(key: rsa.RSAPrivateKey) -> dict[str, str]:
    numbers = key.private_numbers()
    return {
        **rsa_public_to_jwk(key.public_key()),
        "d": _int_b64(numbers.d),
        "p": _int_b64(numbers.p),
        "q": _int_b64(numbers.q),
        "dp": _int_b64(numbers.dmp1),
        "dq": _int_b64(numbers.dmq1),
        "qi": _int_b64(numbers.iqmp),
    }


def ec_public_from_jwk(jwk: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from ``x`` and ``y`` (other curves are not supported)."""
    if jwk.get("crv") != "P-256":
        raise KeyFormatError(f"unsupported EC curve {jwk.get('crv')!r} (only P-256 / ES256)")
    x, y = jwk_bytes(jwk, "x"), jwk_bytes(jwk, "y")
    if len(x) != 32 or len(y) != 32:
        raise KeyFormatError("a P-256 JWK has 32-byte 'x' and 'y' coordinates")
    try:
        return ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
        ).public_key()
    except ValueError as exc:
        raise KeyFormatError(f"the EC JWK is not a point on P-256: {exc}") from exc
