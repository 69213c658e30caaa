"""Signing key pairs and verification keys: Ed25519 (Multikey, JWK), RSA and EC P-256.

Issuers sign with Ed25519 (Data Integrity, VC-JWT ``EdDSA``) or RSA (VC-JWT ``RS256``,
OB 3.0's minimum). Verifiers also meet ES256 tokens, so P-256 exists as a public key
only. Every malformed input raises :class:`KeyFormatError` with a message saying what is
wrong; private material never appears in ``repr()`` or in error messages.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from credstack.core.errors import KeyFormatError
from credstack.core.jwk import (
    ec_public_from_jwk,
    jwk_b64,
    jwk_bytes,
    rsa_private_from_jwk,
    rsa_private_to_jwk,
    rsa_public_from_jwk,
    rsa_public_to_jwk,
)
from credstack.core.multibase import (
    ED25519_PRIV,
    ED25519_PUB,
    b58decode,
    decode_multikey,
    encode_multikey,
)

#: a source of random bytes (``os.urandom`` shape); tests pass a seeded one
RandomBytes = Callable[[int], bytes]

_RAW = serialization.Encoding.Raw
_RAW_PUB = serialization.PublicFormat.Raw


class VerificationKey(ABC):
    """A public key that can check a signature for one JOSE algorithm family."""

    #: JOSE ``alg`` values this key verifies
    algorithms: tuple[str, ...] = ()

    @abstractmethod
    def verify(self, signature: bytes, data: bytes) -> bool:
        """True when ``signature`` is valid for ``data`` under this key (never raises)."""

    @abstractmethod
    def to_jwk(self) -> dict[str, str]:
        """The public JWK (never contains ``d``)."""


@dataclass(frozen=True)
class Ed25519PublicKey(VerificationKey):
    """A raw 32-byte Ed25519 public key, as carried by Multikey and did:key."""

    raw: bytes
    algorithms = ("EdDSA", "Ed25519")

    def __post_init__(self) -> None:
        if len(self.raw) != 32:
            raise KeyFormatError(f"an Ed25519 public key has 32 bytes, got {len(self.raw)}")

    @classmethod
    def from_multibase(cls, value: str) -> Ed25519PublicKey:
        """Read a ``z6Mk…`` Multikey ``publicKeyMultibase``."""
        return cls(decode_multikey(value, ED25519_PUB, (32,), what="publicKeyMultibase"))

    @classmethod
    def from_base58(cls, value: str) -> Ed25519PublicKey:
        """Read a legacy ``publicKeyBase58`` value (Ed25519VerificationKey2018 documents)."""
        try:
            return cls(b58decode(value))
        except ValueError as exc:
            raise KeyFormatError(f"publicKeyBase58 is not base58btc: {exc}") from exc

    @property
    def multibase(self) -> str:
        """The Multikey encoding ``z6Mk…``."""
        return encode_multikey(ED25519_PUB, self.raw)

    def verify(self, signature: bytes, data: bytes) -> bool:
        key = ed25519.Ed25519PublicKey.from_public_bytes(self.raw)
        try:
            key.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def to_jwk(self) -> dict[str, str]:
        return {"kty": "OKP", "crv": "Ed25519", "x": jwk_b64(self.raw)}

    def __repr__(self) -> str:
        return f"Ed25519PublicKey({self.multibase})"


class RsaPublicKey(VerificationKey):
    """An RSA public key checking RS256 (PKCS#1 v1.5, SHA-256) signatures."""

    algorithms = ("RS256",)

    def __init__(self, key: rsa.RSAPublicKey) -> None:
        if key.key_size < 2048:
            raise KeyFormatError(f"RSA keys must have at least 2048 bits, got {key.key_size}")
        self._key = key

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self._key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True

    def to_jwk(self) -> dict[str, str]:
        return rsa_public_to_jwk(self._key)

    def __repr__(self) -> str:
        return f"RsaPublicKey({self._key.key_size} bits)"


class EcP256PublicKey(VerificationKey):
    """A NIST P-256 public key checking ES256 signatures (JOSE raw ``r || s`` form)."""

    algorithms = ("ES256",)

    def __init__(self, key: ec.EllipticCurvePublicKey) -> None:
        if not isinstance(key.curve, ec.SECP256R1):
            raise KeyFormatError(f"expected a P-256 key, got curve {key.curve.name}")
        self._key = key

    def verify(self, signature: bytes, data: bytes) -> bool:
        if len(signature) != 64:
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        try:
            self._key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True

    def to_jwk(self) -> dict[str, str]:
        numbers = self._key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": jwk_b64(numbers.x.to_bytes(32, "big")),
            "y": jwk_b64(numbers.y.to_bytes(32, "big")),
        }

    def __repr__(self) -> str:
        return "EcP256PublicKey()"


class Ed25519KeyPair:
    """An Ed25519 signing key: Data Integrity ``eddsa-*`` suites and VC-JWT ``EdDSA``."""

    jose_algorithm = "EdDSA"

    def __init__(self, private_key: ed25519.Ed25519PrivateKey) -> None:
        self._private = private_key
        self.public_key = Ed25519PublicKey(private_key.public_key().public_bytes(_RAW, _RAW_PUB))

    @classmethod
    def generate(cls, rng: RandomBytes | None = None) -> Ed25519KeyPair:
        """A new key from the OS CSPRNG, or from ``rng`` (deterministic tests)."""
        if rng is None:
            return cls(ed25519.Ed25519PrivateKey.generate())
        return cls.from_seed(rng(32))

    @classmethod
    def from_seed(cls, seed: bytes) -> Ed25519KeyPair:
        """The key whose RFC 8032 private key (seed) is these 32 bytes."""
        if len(seed) != 32:
            raise KeyFormatError(f"an Ed25519 seed has 32 bytes, got {len(seed)}")
        return cls(ed25519.Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_multikey(cls, public_multibase: str | None, secret_multibase: str) -> Ed25519KeyPair:
        """Read a Multikey pair; the secret may be 32 bytes (seed) or 64 (seed || public).

        When a public key is given (or embedded in the 64-byte form) it must match the
        secret, so a pair pasted from two different files is caught here, not at verify.
        """
        secret = decode_multikey(
            secret_multibase, ED25519_PRIV, (32, 64), what="secretKeyMultibase"
        )
        pair = cls.from_seed(secret[:32])
        if len(secret) == 64 and secret[32:] != pair.public_key.raw:
            raise KeyFormatError("secretKeyMultibase: its public half does not match its seed")
        if public_multibase is not None:
            public = Ed25519PublicKey.from_multibase(public_multibase)
            if public.raw != pair.public_key.raw:
                raise KeyFormatError("publicKeyMultibase does not belong to secretKeyMultibase")
        return pair

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> Ed25519KeyPair:
        """Read an ``OKP``/``Ed25519`` JWK with its private ``d``."""
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise KeyFormatError("expected an OKP JWK with crv Ed25519")
        if "d" not in jwk:
            raise KeyFormatError("the JWK has no private part 'd': it can verify but not sign")
        pair = cls.from_seed(jwk_bytes(jwk, "d"))
        if "x" in jwk and jwk_bytes(jwk, "x") != pair.public_key.raw:
            raise KeyFormatError("the JWK's 'x' does not match its private part 'd'")
        return pair

    @property
    def public_multibase(self) -> str:
        """``z6Mk…``: the Multikey public key (also the did:key method-specific id)."""
        return self.public_key.multibase

    def secret_multibase(self) -> str:
        """The Multikey ``secretKeyMultibase`` (ed25519-priv header, 32-byte seed)."""
        return encode_multikey(ED25519_PRIV, self._seed())

    def seed(self) -> bytes:
        """The raw 32-byte seed, for sealing at rest; handle with care."""
        return self._seed()

    def sign(self, data: bytes) -> bytes:
        """A 64-byte Ed25519 signature over ``data``."""
        return self._private.sign(data)

    def public_jwk(self) -> dict[str, str]:
        return self.public_key.to_jwk()

    def private_jwk(self) -> dict[str, str]:
        return {**self.public_jwk(), "d": jwk_b64(self._seed())}

    def multikey_pair(self) -> dict[str, str]:
        """``{"publicKeyMultibase", "secretKeyMultibase"}``, the key file the CLI writes."""
        return {
            "publicKeyMultibase": self.public_multibase,
            "secretKeyMultibase": self.secret_multibase(),
        }

    def _seed(self) -> bytes:
        return self._private.private_bytes(
            _RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )

    def __repr__(self) -> str:
        return f"Ed25519KeyPair(public={self.public_multibase})"


class RsaKeyPair:
    """An RSA signing key for VC-JWT ``RS256``."""

    jose_algorithm = "RS256"

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        if private_key.key_size < 2048:
            raise KeyFormatError(
                f"RSA keys must have at least 2048 bits, got {private_key.key_size}"
            )
        self._private = private_key
        self.public_key = RsaPublicKey(private_key.public_key())

    @classmethod
    def generate(cls, bits: int = 2048) -> RsaKeyPair:
        """A new RSA key (2048 bits or more, public exponent 65537)."""
        if bits < 2048:
            raise KeyFormatError(f"RSA keys must have at least 2048 bits, asked for {bits}")
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=bits))

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> RsaKeyPair:
        """Read an ``RSA`` JWK with its private members."""
        return cls(rsa_private_from_jwk(jwk))

    def sign(self, data: bytes) -> bytes:
        """An RS256 signature (RSASSA-PKCS1-v1_5 with SHA-256)."""
        return self._private.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def public_jwk(self) -> dict[str, str]:
        return self.public_key.to_jwk()

    def private_jwk(self) -> dict[str, str]:
        return rsa_private_to_jwk(self._private)

    def __repr__(self) -> str:
        return f"RsaKeyPair({self._private.key_size} bits)"


#: anything Credstack can sign with
SigningKeyPair = Ed25519KeyPair | RsaKeyPair


def public_key_from_jwk(jwk: Mapping[str, Any]) -> VerificationKey:
    """The verification key of a public (or private: ``d`` is ignored) JWK."""
    if not isinstance(jwk, Mapping):
        raise KeyFormatError("a JWK is a JSON object")
    kty = jwk.get("kty")
    if kty == "OKP":
        if jwk.get("crv") != "Ed25519":
            raise KeyFormatError(f"unsupported OKP curve {jwk.get('crv')!r} (only Ed25519)")
        return Ed25519PublicKey(jwk_bytes(jwk, "x"))
    if kty == "RSA":
        return RsaPublicKey(rsa_public_from_jwk(jwk))
    if kty == "EC":
        return EcP256PublicKey(ec_public_from_jwk(jwk))
    raise KeyFormatError(f"unsupported JWK key type {kty!r} (expected OKP, RSA or EC)")


def load_key_file(data: bytes) -> SigningKeyPair:
    """Read a signing key file: a private JWK (OKP Ed25519 or RSA) or a Multikey pair JSON.

    This is what ``credstack sign --key FILE`` accepts; the format is detected by content.
    A Multikey pair may name its secret ``secretKeyMultibase`` or the older
    ``privateKeyMultibase`` used by the W3C test vectors.
    """
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KeyFormatError(
            "the key file is not JSON: expected a private JWK or a Multikey pair "
            '{"publicKeyMultibase": …, "secretKeyMultibase": …}'
        ) from exc
    if not isinstance(document, dict):
        raise KeyFormatError("the key file must hold a JSON object (a JWK or a Multikey pair)")
    secret = document.get("secretKeyMultibase", document.get("privateKeyMultibase"))
    if secret is not None:
        if not isinstance(secret, str):
            raise KeyFormatError("secretKeyMultibase must be a string")
        public = document.get("publicKeyMultibase")
        if public is not None and not isinstance(public, str):
            raise KeyFormatError("publicKeyMultibase must be a string")
        return Ed25519KeyPair.from_multikey(public, secret)
    kty = document.get("kty")
    if kty == "OKP":
        return Ed25519KeyPair.from_jwk(document)
    if kty == "RSA":
        return RsaKeyPair.from_jwk(document)
    if kty is not None:
        raise KeyFormatError(f"cannot sign with a {kty!r} JWK: use an OKP Ed25519 or RSA key")
    raise KeyFormatError(
        "the key file is neither a JWK (no 'kty') nor a Multikey pair (no 'secretKeyMultibase')"
    )
