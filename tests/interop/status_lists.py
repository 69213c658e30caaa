"""Build BitstringStatusList credentials for the interop tests, independently of both
implementations under test (plain gzip + base64url, as W3C BSL 1.0 §4.1 describes).

Why not reuse a library here: the point is to check that two implementations read the
*same* bit, so the list is produced by the spec's own recipe, not by either of them.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable
from typing import Any

from ob3_samples import VC_V2

#: the BSL 1.0 minimum (16 KB), which Credstack also uses (architecture §2)
MIN_ENTRIES = 131_072


def encode_list(set_indexes: Iterable[int], size: int = MIN_ENTRIES) -> str:
    """Multibase base64url (``u``, no padding) of the GZIP'd bitstring; index 0 = MSB."""
    bits = bytearray(size // 8)
    for index in set_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def status_list_credential(
    list_url: str, issuer: str, set_indexes: Iterable[int], valid_from: str
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` whose ``id`` is the list's URL."""
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_list(set_indexes),
        },
    }
