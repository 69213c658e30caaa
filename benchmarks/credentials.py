"""The credentials the core benchmark signs and verifies.

``typical`` is shaped like what Credstack issues (architecture §2): an OB 3.0
``OpenBadgeCredential`` on VC 2.0 with an issuer profile, a hashed-email recipient, a
micro-credential achievement aligned to three ESCO skills, and a status list entry.
``complete`` is the 1EdTech "complete" example (embedded endorsements with their own
proofs), the largest realistic credential we have, read from the shared standards folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CREDSTACK_SHARED", REPO_ROOT.parent / "shared"))
COMPLETE_EXAMPLE = (
    SHARED / "standards/examples/1edtech-ob-v3p0-spec/complete-openbadgecredential.json"
)

ESCO = "http://data.europa.eu/esco/skill/"


def _skill(uuid: str, name: str) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetName": name,
        "targetUrl": f"{ESCO}{uuid}",
        "targetFramework": "ESCO",
        "targetType": "ext:ESCOSkill",
        "targetCode": uuid,
    }


def typical_credential() -> dict[str, Any]:
    """A credential as Credstack issues it (no proof yet)."""
    issuer = "did:web:credentials.example.edu"
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:3f6c1d2e-8a4b-4c1f-9e2d-5b7a9c0d1e2f",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Data Analysis Fundamentals",
        "description": "Awarded for completing the Data Analysis Fundamentals micro-credential.",
        "issuer": {
            "id": issuer,
            "type": ["Profile"],
            "name": "Example University of Applied Sciences",
            "url": "https://www.example.edu",
            "email": "credentials@example.edu",
            "image": {"id": "https://www.example.edu/logo.png", "type": "Image"},
        },
        "validFrom": "2026-03-01T09:30:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "sha256$"
                    + "4b3c9f0a1e2d7c6b5a49382716f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": "9c1f5e7a",
                }
            ],
            "achievement": {
                "id": "https://credentials.example.edu/achievements/data-analysis-fundamentals",
                "type": ["Achievement"],
                "achievementType": "MicroCredential",
                "name": "Data Analysis Fundamentals",
                "description": "Cleans, explores and visualises tabular data; reports findings.",
                "criteria": {
                    "narrative": "Pass the final assessment (60% or more) and submit a project."
                },
                "image": {
                    "id": "https://credentials.example.edu/achievements/data-analysis.png",
                    "type": "Image",
                },
                "creditsAvailable": 5,
                "fieldOfStudy": "Data Science",
                "inLanguage": "en",
                "tag": ["data", "statistics", "visualisation"],
                "alignment": [
                    _skill("a8a5c7a2-1b2b-4ab5-a8e4-6d9a1a2b0c3d", "analyse big data"),
                    _skill("0f2c5b3a-7e4d-4f6a-9c1b-2d3e4f5a6b7c", "use spreadsheets software"),
                    _skill("5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f80", "present reports"),
                ],
            },
        },
        "credentialStatus": {
            "id": "https://credentials.example.edu/status/1#9371",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "9371",
            "statusListCredential": "https://credentials.example.edu/status/1",
        },
    }


def complete_credential() -> dict[str, Any] | None:
    """The 1EdTech complete example without its proof, or None if the folder is missing."""
    if not COMPLETE_EXAMPLE.is_file():
        return None
    document: dict[str, Any] = json.loads(COMPLETE_EXAMPLE.read_text(encoding="utf-8"))
    document.pop("proof", None)
    return document
