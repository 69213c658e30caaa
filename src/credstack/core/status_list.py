"""W3C Bitstring Status List 1.0: the bitstring, its encoding, entries and status checks.

Why this shape: revocation must be checkable without telling the issuer *which* credential
is being checked, so the issuer publishes one long bitstring (at least 131,072 entries,
the spec's herd-privacy minimum) and each credential points at one random index in it.
The list is GZIP-compressed and multibase base64url encoded (``u`` header). Because a
verifier decompresses data chosen by a stranger, decoding streams through
``zlib.decompressobj`` with a hard output cap: a gzip bomb ends in ``StatusListError``,
never in memory exhaustion.

Bit order (spec §3.2): index 0 is the most significant bit of the first byte.

Pre-REC fixtures (the W3C test suite of 2024) carry ``encodedList`` values without the
multibase ``u`` header. The REC requires the header, so decoding is strict by default;
``allow_missing_multibase_header=True`` accepts a bare base64url GZIP stream (it always
starts with ``H4sI``, so the two forms cannot be confused) for verifying such issuers.
"""

from __future__ import annotations

import gzip
import random
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from credstack.core.errors import StatusListError
from credstack.core.jsonld_values import as_list
from credstack.core.multibase import b64url_decode, b64url_encode
from credstack.core.timestamps import parse_datetime

#: spec §6.1: a bitstring of at least 16 KB (131,072 entries) gives herd privacy
MIN_LIST_BITS = 131_072
#: default cap on the decompressed size of a fetched list (1 MiB = 8,388,608 entries)
DEFAULT_MAX_DECOMPRESSED_BYTES = 1024 * 1024
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_TYPE = "BitstringStatusList"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
#: a list whose validFrom is at most this far ahead of the verifier's clock still counts: lists
#: are (re)published on demand, often during the very verification that asked for them (whose
#: clock was read first), and clocks of verifier and publisher differ; digitalbazaar/vc allows
#: the same 300 s (``maxClockSkew``)
LIST_CLOCK_SKEW = timedelta(seconds=300)
_GZIP_BASE64_START = "H4sI"  # base64 of the gzip magic 1f 8b 08
_READ_CHUNK = 64 * 1024


class StatusBitstring:
    """A fixed-length bitstring, index 0 = most significant bit of byte 0."""

    __slots__ = ("_bytes",)

    def __init__(self, length: int = MIN_LIST_BITS) -> None:
        if length <= 0 or length % 8:
            raise StatusListError(
                f"a status list length must be a positive multiple of 8 bits, got {length}"
            )
        self._bytes = bytearray(length // 8)

    @classmethod
    def from_bytes(cls, data: bytes) -> StatusBitstring:
        """Wrap decompressed list bytes (copied, so the caller's buffer stays untouched)."""
        if not data:
            raise StatusListError("the status list is empty")
        bits = cls(len(data) * 8)
        bits._bytes[:] = data
        return bits

    @property
    def length(self) -> int:
        """Number of entries (bits)."""
        return len(self._bytes) * 8

    def __len__(self) -> int:
        return self.length

    def _check_index(self, index: int) -> None:
        if not 0 <= index < self.length:
            raise StatusListError(
                f"status list index {index} is outside the list (0..{self.length - 1})"
            )

    def get(self, index: int) -> bool:
        """Whether the bit at ``index`` is set."""
        self._check_index(index)
        return bool((self._bytes[index >> 3] >> (7 - (index & 7))) & 1)

    def set(self, index: int, value: bool = True) -> None:
        """Set (or clear, with ``value=False``) the bit at ``index``."""
        self._check_index(index)
        mask = 1 << (7 - (index & 7))
        if value:
            self._bytes[index >> 3] |= mask
        else:
            self._bytes[index >> 3] &= ~mask & 0xFF

    def get_value(self, index: int, size: int) -> int:
        """The ``size``-bit status value of entry ``index`` (``statusSize`` > 1 lists)."""
        if size < 1:
            raise StatusListError(f"statusSize must be at least 1, got {size}")
        start = index * size
        self._check_index(start)
        self._check_index(start + size - 1)
        value = 0
        for position in range(start, start + size):
            value = (value << 1) | int(self.get(position))
        return value

    def set_indexes(self) -> Iterator[int]:
        """Indexes of every set bit, ascending (skips zero bytes, so sparse lists are fast)."""
        for byte_index, byte in enumerate(self._bytes):
            if byte:
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        yield byte_index * 8 + bit

    def to_bytes(self) -> bytes:
        """The raw, uncompressed bitstring."""
        return bytes(self._bytes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StatusBitstring) and self._bytes == other._bytes

    def __repr__(self) -> str:
        return f"StatusBitstring(length={self.length}, set={sum(1 for _ in self.set_indexes())})"


def encode_list(bits: StatusBitstring) -> str:
    """GZIP then multibase base64url (``u`` + no padding), refusing lists below the minimum.

    ``mtime=0`` keeps the output deterministic, so re-publishing an unchanged list yields
    byte-identical (and therefore identically signed) credentials.
    """
    if bits.length < MIN_LIST_BITS:
        raise StatusListError(
            f"a status list needs at least {MIN_LIST_BITS} entries for herd privacy, "
            f"this one has {bits.length}"
        )
    return "u" + b64url_encode(gzip.compress(bits.to_bytes(), mtime=0))


def _gunzip_capped(compressed: bytes, max_decompressed_bytes: int) -> bytes:
    """Decompress one GZIP member, streaming, never holding more than the cap."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    out = bytearray()
    position = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                chunk = inflater.unconsumed_tail
            elif position < len(compressed):
                chunk = compressed[position : position + _READ_CHUNK]
                position += len(chunk)
            else:
                break
            # one byte more than allowed, so reaching it proves the cap was exceeded
            out += inflater.decompress(chunk, max_decompressed_bytes - len(out) + 1)
            if len(out) > max_decompressed_bytes:
                raise StatusListError(
                    f"the status list decompresses to more than {max_decompressed_bytes} "
                    "bytes (the limit); refusing it as a possible decompression bomb"
                )
    except zlib.error as exc:
        raise StatusListError(f"the status list is not valid GZIP data: {exc}") from exc
    if not inflater.eof:
        raise StatusListError("the status list GZIP stream is truncated")
    if inflater.unused_data or position < len(compressed):
        raise StatusListError("the status list has trailing data after its GZIP stream")
    return bytes(out)


def decode_list(
    encoded: str,
    *,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    allow_missing_multibase_header: bool = False,
) -> StatusBitstring:
    """Inverse of :func:`encode_list`, with a decompression cap and the minimum-length rule."""
    if not isinstance(encoded, str) or not encoded:
        raise StatusListError("encodedList must be a non-empty string")
    if encoded.startswith("u"):
        body = encoded[1:]
    elif allow_missing_multibase_header and encoded.startswith(_GZIP_BASE64_START):
        body = encoded
    else:
        raise StatusListError(
            "encodedList must be multibase base64url (it starts with 'u'); "
            f"this one starts with {encoded[:1]!r}"
        )
    try:
        compressed = b64url_decode(body)
    except ValueError as exc:
        raise StatusListError(f"encodedList is not base64url: {exc}") from exc
    raw = _gunzip_capped(compressed, max_decompressed_bytes)
    if len(raw) * 8 < MIN_LIST_BITS:
        raise StatusListError(
            f"the status list has {len(raw) * 8} entries; the spec requires at least "
            f"{MIN_LIST_BITS}, so it is rejected (too short to protect holders' privacy)"
        )
    return StatusBitstring.from_bytes(raw)


def status_list_entry(list_url: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
    """The ``credentialStatus`` a credential carries to point at bit ``index`` of a list."""
    if index < 0:
        raise StatusListError(f"a status list index cannot be negative ({index})")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    list_url: str,
    issuer: str,
    encoded_list: str,
    valid_from: str,
    purpose: str = "revocation",
    *,
    valid_until: str | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` whose ``id`` is the list's own URL.

    ``valid_until`` bounds how long a saved copy counts: without it, a list saved before a
    revocation would keep the revoked credential verifying offline for ever. ``ttl_ms`` is
    the spec's ``credentialSubject.ttl``, the milliseconds before a verifier SHOULD fetch
    the list again (it does not replace the validity period).
    """
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": LIST_TYPE,
        "statusPurpose": purpose,
        "encodedList": encoded_list,
    }
    if ttl_ms is not None:
        if ttl_ms <= 0:
            raise StatusListError(f"a status list ttl must be positive, got {ttl_ms} ms")
        subject["ttl"] = ttl_ms
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": valid_from,
    }
    if valid_until is not None:
        credential["validUntil"] = valid_until
    credential["credentialSubject"] = subject
    return credential


@dataclass(frozen=True)
class StatusResult:
    """Outcome of one status check: ``is_set`` True means revoked (for ``revocation``)."""

    purpose: str
    index: int
    list_url: str
    value: int
    list_length: int

    @property
    def is_set(self) -> bool:
        return self.value != 0


def _parse_index(raw: Any) -> int:
    # The REC says a base-10 string; 1EdTech's validator fixtures use a JSON integer, which
    # is unambiguous, so it is accepted too. Anything else (negative, "0x10", 1.5) is not.
    if isinstance(raw, bool):
        raise StatusListError("statusListIndex must be a base-10 integer string")
    if isinstance(raw, int) and raw >= 0:
        return raw
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        return int(raw)
    raise StatusListError(
        f"statusListIndex must be a non-negative base-10 integer string, got {raw!r}"
    )


def _parse_datetime(value: Any, field: str) -> datetime:
    parsed = parse_datetime(value, zone_required=True)
    if parsed is None:
        raise StatusListError(
            f"the status list credential's {field} {value!r} is not a date-time with a "
            "time zone (e.g. 2030-01-01T00:00:00Z)"
        )
    return parsed


def _check_list_validity(list_credential: Mapping[str, Any], now: datetime) -> None:
    valid_until = list_credential.get("validUntil")
    if valid_until is not None and now > _parse_datetime(valid_until, "validUntil"):
        raise StatusListError(f"the status list credential expired at {valid_until}")
    valid_from = list_credential.get("validFrom")
    if valid_from is not None and now + LIST_CLOCK_SKEW < _parse_datetime(valid_from, "validFrom"):
        raise StatusListError(f"the status list credential is not valid before {valid_from}")


def check_status(
    entry: Mapping[str, Any],
    list_credential: Mapping[str, Any],
    *,
    max_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    now: datetime | None = None,
    allow_missing_multibase_header: bool = False,
) -> StatusResult:
    """Read the status an entry points at, after checking entry and list agree (spec §3.2).

    Raises ``StatusListError`` when the status cannot be determined (malformed entry, wrong
    list type or purpose, list expired at ``now``, list too short or too large, index out
    of range). The list credential's proof is the caller's business (verify it first).
    """
    if not isinstance(entry, Mapping):
        raise StatusListError("credentialStatus must be an object")
    if entry.get("type") != ENTRY_TYPE:
        raise StatusListError(
            f"credentialStatus type {entry.get('type')!r} is not supported (expected {ENTRY_TYPE})"
        )
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise StatusListError("credentialStatus.statusPurpose must be a non-empty string")
    list_url = entry.get("statusListCredential")
    if not isinstance(list_url, str) or not list_url:
        raise StatusListError("credentialStatus.statusListCredential must be a URL")
    index = _parse_index(entry.get("statusListIndex"))
    size = entry.get("statusSize", 1)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise StatusListError(f"credentialStatus.statusSize must be a positive integer: {size!r}")

    if LIST_CREDENTIAL_TYPE not in as_list(list_credential.get("type")):
        raise StatusListError(f"the document at {list_url} is not a {LIST_CREDENTIAL_TYPE}")
    list_id = list_credential.get("id")
    if list_id is not None and list_id != list_url:
        raise StatusListError(
            f"the status list credential's id {list_id!r} differs from the URL the "
            f"credential points to ({list_url})"
        )
    if now is not None:
        _check_list_validity(list_credential, now)
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise StatusListError("the status list credential has no credentialSubject object")
    if subject.get("type") != LIST_TYPE:
        raise StatusListError(f"the status list credentialSubject is not a {LIST_TYPE}")
    if purpose not in as_list(subject.get("statusPurpose")):
        raise StatusListError(
            f"the credential's statusPurpose {purpose!r} does not match the list's "
            f"{subject.get('statusPurpose')!r}"
        )
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise StatusListError("the status list credentialSubject has no encodedList string")
    bits = decode_list(
        encoded,
        max_decompressed_bytes=max_bytes,
        allow_missing_multibase_header=allow_missing_multibase_header,
    )
    return StatusResult(
        purpose=purpose,
        index=index,
        list_url=list_url,
        value=bits.get_value(index, size),
        list_length=bits.length,
    )


def pick_free_index(
    rng: random.Random,
    size: int,
    is_taken: Callable[[int], bool],
    *,
    random_attempts: int = 64,
) -> int:
    """A random index not yet used in a list of ``size`` entries (herd privacy).

    Random probing first, so allocation order reveals nothing; when the list is nearly
    full the probes fail and a scan from a random start finds any remaining index.
    Raises ``StatusListError`` when every index is taken (the caller opens a new list).
    """
    if size <= 0:
        raise StatusListError(f"a status list size must be positive, got {size}")
    for _ in range(random_attempts):
        candidate = rng.randrange(size)
        if not is_taken(candidate):
            return candidate
    start = rng.randrange(size)
    for offset in range(size):
        candidate = (start + offset) % size
        if not is_taken(candidate):
            return candidate
    raise StatusListError(f"the status list is full (all {size} indexes are allocated)")
