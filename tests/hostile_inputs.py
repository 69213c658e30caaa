"""The hostile inputs of the hardening probe (issue 9), built the same way for every test.

:func:`signed_credential` is the good credential beside them: it verifies offline.

- :func:`nested_header_jwt`: a compact JWT whose header nests 100,000 arrays (finding 8);
- :func:`wide_credential`: the 38,000 evidence objects and 8 proofs that stalled the
  server for 15 s (finding 2), refused by the per-array budget before any real work;
- :func:`heavy_credential`: a credential inside the size, array and proof budgets whose
  8 proofs still cost seconds of CPU, so only the CPU budget can stop it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from credstack.core.dids import did_key_for, did_key_verification_method
from credstack.core.keys import Ed25519KeyPair
from credstack.core.multibase import b64url_encode
from credstack.core.proofs import sign_data_integrity

KEY = Ed25519KeyPair.from_seed(b"\x21" * 32)
DID = did_key_for(KEY.public_multibase)
VM = did_key_verification_method(KEY.public_multibase)


def nested_json(depth: int = 100_000) -> bytes:
    """``[[[…]]]``: ``depth`` arrays inside each other."""
    return b"[" * depth + b"]" * depth


def nested_header_jwt(depth: int = 100_000) -> str:
    """A compact JWT whose header is ``depth`` nested arrays (payload and signature fine)."""
    payload = b64url_encode(json.dumps(credential()).encode())
    return f"{b64url_encode(nested_json(depth))}.{payload}.{b64url_encode(b'signature')}"


def credential(**overrides: Any) -> dict[str, Any]:
    """An unsigned OB 3.0 credential of the did:key issuer above."""
    document: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:6f0e2a3c-1b4d-4e5f-8a9b-0c1d2e3f4a5b",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": DID, "type": ["Profile"], "name": "Hostile Institute"},
        "validFrom": "2026-01-15T09:00:00Z",
        "name": "Stalling the verifier",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://hostile.example/achievements/1",
                "type": ["Achievement"],
                "name": "Stalling the verifier",
                "description": "Makes a verifier work as long as it lets itself be made to.",
                "criteria": {"narrative": "Sent a large credential."},
            },
        },
    }
    document.update(overrides)
    return document


def signed_credential(**overrides: Any) -> dict[str, Any]:
    """A well-formed credential of the did:key issuer, signed: it verifies with no network."""
    return sign_data_integrity(credential(**overrides), KEY, VM, created="2026-01-15T09:00:00Z")


def _with_proofs(proofs: int, **overrides: Any) -> bytes:
    """A credential signed once, its proof repeated ``proofs`` times (each one is checked)."""
    signed = signed_credential(**overrides)
    proof = signed["proof"]
    proof = proof[0] if isinstance(proof, list) else proof
    signed["proof"] = [dict(proof, id=f"urn:uuid:proof-{n}") for n in range(proofs)]
    return json.dumps(signed).encode()


@cache
def wide_credential(evidence: int = 38_000, proofs: int = 8) -> bytes:
    """The probe's attack: ``evidence`` evidence objects and ``proofs`` proofs (~1.6 MB)."""
    items = [{"type": "Evidence", "name": f"E{n}"} for n in range(evidence)]
    return _with_proofs(proofs, evidence=items)


@cache
def heavy_credential(evidence: int = 1_000, genres: int = 200, proofs: int = 8) -> bytes:
    """Within 2 MB, 1,000 entries per array and 8 proofs, yet seconds of CPU to check."""
    items = [
        {"type": ["Evidence"], "genre": [f"g{n}" for n in range(genres)]} for _ in range(evidence)
    ]
    return _with_proofs(proofs, evidence=items)
