"""A P-256 key that signs the JOSE way (``r || s``), for ES256 tests.

Credstack verifies ES256 but never signs with it, so the tests need their own signer;
one copy keeps the key tests and the VC-JWT tests signing identically.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from credstack.core.multibase import b64url_encode


class P256Signer:
    """A fresh P-256 private key with its public JWK."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        numbers = self.private.public_key().public_numbers()
        self.jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url_encode(numbers.x.to_bytes(32, "big")),
            "y": b64url_encode(numbers.y.to_bytes(32, "big")),
        }

    def sign(self, data: bytes) -> bytes:
        """An ES256 signature in JOSE form: 32-byte ``r`` then 32-byte ``s``."""
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
