"""The two EdDSA cryptosuites of W3C vc-di-eddsa: ``eddsa-rdfc-2022`` and ``eddsa-jcs-2022``.

Both hash the same way (SHA-256 of the canonical proof configuration, then SHA-256 of
the canonical document, concatenated: ``proofHash || docHash``) and sign that with
Ed25519; they differ only in how a JSON document becomes bytes: RDFC-1.0 canonical
N-Quads (``rdfc``, via :mod:`credstack.core.canonicalize`) or the JSON Canonicalization
Scheme RFC 8785 (``jcs``). Keeping the two steps separate lets tests compare every
intermediate value with the published vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import rfc8785

from credstack.core.canonicalize import canonicalize
from credstack.core.contexts import DocumentLoader
from credstack.core.errors import CanonicalizationError

RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"
CRYPTOSUITES = (RDFC, JCS)


@dataclass(frozen=True)
class HashedProofInput:
    """The bytes an EdDSA Data Integrity signature covers, with their parts for tests."""

    canonical_document: bytes
    canonical_proof_config: bytes

    @property
    def document_hash(self) -> bytes:
        return hashlib.sha256(self.canonical_document).digest()

    @property
    def proof_config_hash(self) -> bytes:
        return hashlib.sha256(self.canonical_proof_config).digest()

    @property
    def signing_input(self) -> bytes:
        """``SHA-256(proof config) || SHA-256(document)``: what Ed25519 signs."""
        return self.proof_config_hash + self.document_hash


def canonical_bytes(
    document: Mapping[str, Any], cryptosuite: str, loader: DocumentLoader | None
) -> bytes:
    """Transform a JSON document into the canonical bytes the cryptosuite hashes."""
    if cryptosuite == RDFC:
        return canonicalize(document, loader=loader).encode("utf-8")
    if cryptosuite == JCS:
        try:
            canonical: bytes = rfc8785.dumps(document)
            return canonical
        except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
            raise CanonicalizationError(f"the document cannot be JCS-canonicalized: {exc}") from exc
    raise CanonicalizationError(
        f"unknown cryptosuite {cryptosuite!r}: Credstack supports {', '.join(CRYPTOSUITES)}"
    )


def hash_proof_input(
    unsecured_document: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    cryptosuite: str,
    loader: DocumentLoader | None,
) -> HashedProofInput:
    """Canonicalize document and proof configuration (the proof without ``proofValue``)."""
    return HashedProofInput(
        canonical_document=canonical_bytes(unsecured_document, cryptosuite, loader),
        canonical_proof_config=canonical_bytes(proof_config, cryptosuite, loader),
    )
