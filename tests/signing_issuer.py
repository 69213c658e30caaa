"""A did:key issuer outside Credstack, with a real Ed25519 key: its credentials and lists.

Shared by the verify() tests and by the tests of issuers others vouch for (registries),
so every test builds the same credentials the same way.
"""

from __future__ import annotations

from typing import Any

from credstack.core.dids import did_key_for, did_key_verification_method
from credstack.core.identity import email_identity, name_identity
from credstack.core.keys import Ed25519KeyPair
from credstack.core.proofs import sign_data_integrity
from credstack.core.status_list import (
    StatusBitstring,
    encode_list,
    status_list_credential,
)

LIST_URL = "https://issuer.example/status/1"


class Issuer:
    """A did:key issuer with a real Ed25519 key."""

    def __init__(self, seed: int) -> None:
        self.key = Ed25519KeyPair.from_seed(bytes([seed]) * 32)
        self.did = did_key_for(self.key.public_multibase)
        self.vm = did_key_verification_method(self.key.public_multibase)

    def credential(self, **overrides: Any) -> dict[str, Any]:
        credential: dict[str, Any] = {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "id": "urn:uuid:0c8a5d6e-8f3c-4b7e-9a51-2d6f1f0b7a11",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": self.did, "type": ["Profile"], "name": "Example University"},
            "validFrom": "2026-01-15T09:00:00Z",
            "name": "Data Analysis with Python",
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "identifier": [
                    email_identity("ada@example.org", "s4lt"),
                    name_identity("Ada Lovelace"),
                ],
                "achievement": {
                    "id": "https://issuer.example/achievements/1",
                    "type": ["Achievement"],
                    "name": "Data Analysis with Python",
                    "description": "Cleans, analyses and visualises data sets with pandas.",
                    "criteria": {"narrative": "Passed a supervised practical exam."},
                },
            },
        }
        credential.update(overrides)
        return credential

    def sign(self, document: dict[str, Any]) -> dict[str, Any]:
        return sign_data_integrity(document, self.key, self.vm, created="2026-01-15T09:00:00Z")

    def status_list(self, revoked: tuple[int, ...] = ()) -> dict[str, Any]:
        bits = StatusBitstring()
        for index in revoked:
            bits.set(index)
        unsigned = status_list_credential(
            LIST_URL, self.did, encode_list(bits), "2026-01-01T00:00:00Z"
        )
        return self.sign(unsigned)
