"""Multibase and multicodec encodings used by Multikey, did:key and Data Integrity proofs.

Only the two bases the standards we follow use are supported: base58btc (prefix ``z``,
for keys and ``proofValue``) and base64url without padding (prefix ``u``, for status
lists). Multikey values are ``multibase(multicodec-varint-header || raw key bytes)``; the
headers we know are listed in :data:`MULTICODEC_HEADERS`.
"""

from __future__ import annotations

import base64
import binascii

from credstack.core.errors import KeyFormatError

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: index for index, char in enumerate(_B58_ALPHABET)}

#: multicodec varint headers (https://github.com/multiformats/multicodec)
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
X25519_PUB = b"\xec\x01"
P256_PUB = b"\x80\x24"

MULTICODEC_HEADERS: dict[bytes, str] = {
    ED25519_PUB: "ed25519-pub",
    ED25519_PRIV: "ed25519-priv",
    X25519_PUB: "x25519-pub",
    P256_PUB: "p256-pub",
}


def b58encode(data: bytes) -> str:
    """Bitcoin base58 (leading zero bytes become ``1``), as multibase ``z`` needs."""
    zeros = len(data) - len(data.lstrip(b"\x00"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_B58_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """Inverse of :func:`b58encode`; a character outside the alphabet is a ``ValueError``."""
    number = 0
    for char in text:
        index = _B58_INDEX.get(char)
        if index is None:
            raise ValueError(f"{char!r} is not a base58btc character")
        number = number * 58 + index
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * zeros + body


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 4648 §5), as JOSE and multibase ``u`` use."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; reject anything else with ``ValueError``."""
    if not isinstance(text, str) or any(c in text for c in "+/= \n\r\t"):
        raise ValueError("not base64url without padding")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not base64url: {exc}") from exc


def multibase_encode(data: bytes, base: str = "z") -> str:
    """Encode bytes as multibase: ``z`` (base58btc) or ``u`` (base64url, no padding)."""
    if base == "z":
        return "z" + b58encode(data)
    if base == "u":
        return "u" + b64url_encode(data)
    raise ValueError(f"unsupported multibase prefix {base!r} (use 'z' or 'u')")


def multibase_decode(value: str) -> bytes:
    """Decode a ``z`` or ``u`` multibase string; anything else is a ``ValueError``."""
    if not isinstance(value, str) or len(value) < 2:
        raise ValueError("a multibase value is a string of at least two characters")
    prefix, body = value[0], value[1:]
    if prefix == "z":
        return b58decode(body)
    if prefix == "u":
        return b64url_decode(body)
    raise ValueError(f"unsupported multibase prefix {prefix!r} (expected 'z' or 'u')")


def encode_multikey(header: bytes, raw: bytes) -> str:
    """``z`` + base58btc(header || raw): the Multikey encoding of a key."""
    return multibase_encode(header + raw, "z")


def decode_multikey(
    value: str, expected_header: bytes, sizes: tuple[int, ...], *, what: str = "key"
) -> bytes:
    """Return the raw key bytes of a Multikey value, checking its header and length.

    Raises ``KeyFormatError`` naming what was found, so a user pasting the wrong kind of
    key (an X25519 key, a JWK thumbprint, a hex string) learns what is wrong. ``what``
    names the value in messages; the value itself is never echoed (it may be a secret).
    """
    name = MULTICODEC_HEADERS.get(expected_header, expected_header.hex())
    try:
        decoded = multibase_decode(value)
    except ValueError as exc:
        raise KeyFormatError(f"{what} is not a multibase value: {exc}") from exc
    if not decoded.startswith(expected_header):
        found = MULTICODEC_HEADERS.get(decoded[:2], f"0x{decoded[:2].hex()}")
        raise KeyFormatError(f"{what} is a {found} key, expected {name}")
    raw = decoded[len(expected_header) :]
    if len(raw) not in sizes:
        allowed = " or ".join(str(size) for size in sizes)
        raise KeyFormatError(f"{what}: a {name} key has {allowed} bytes, this one has {len(raw)}")
    return raw
