"""Private keys at rest: AES-256-GCM under a key derived from the master secret.

The master secret never encrypts anything directly: HKDF derives a purpose-bound key,
and the key id is the associated data, so a sealed secret copied onto another key's row
fails to open instead of silently signing as the wrong key.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from credstack.core.errors import ConfigurationError

_VERSION = b"\x01"
_NONCE_BYTES = 12
_INFO = b"credstack signing-key sealing v1"


def _cipher(master_secret: bytes) -> AESGCM:
    if len(master_secret) < 16:
        raise ConfigurationError("the master secret is too short (at least 16 bytes)")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(master_secret)
    return AESGCM(key)


def seal(master_secret: bytes, key_id: str, secret: bytes) -> bytes:
    """Encrypt ``secret`` for storage; the result holds version, nonce and ciphertext."""
    nonce = os.urandom(_NONCE_BYTES)
    ciphertext = _cipher(master_secret).encrypt(nonce, secret, key_id.encode("utf-8"))
    return _VERSION + nonce + ciphertext


def unseal(master_secret: bytes, key_id: str, sealed: bytes) -> bytes:
    """Decrypt a sealed secret, or say plainly that the master secret does not match."""
    if not sealed.startswith(_VERSION) or len(sealed) < 1 + _NONCE_BYTES + 16:
        raise ConfigurationError(f"the stored secret of key {key_id} is not in a known format")
    nonce, ciphertext = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
    try:
        return _cipher(master_secret).decrypt(nonce, ciphertext, key_id.encode("utf-8"))
    except InvalidTag:
        raise ConfigurationError(
            f"cannot decrypt signing key {key_id}: the master secret differs from the one it "
            "was sealed with (restore the secret.key from the same backup as the database)"
        ) from None
