"""Realistic, varied unsigned Open Badges 3.0 credentials for the interop tests.

Why these shapes: interop bugs hide in the corners of canonicalization, not in the happy
path of a five-field badge. Each sample stresses something a conforming RDFC-1.0
implementation must treat exactly like jsonld.js does: non-ASCII text in every script,
characters N-Quads must escape (quotes, backslashes, newlines, other control
characters), language-tagged value objects, a JSON-LD ``@list`` (``allowedValue``),
``xsd:float`` coercion of whole and fractional numbers (``creditsAvailable``), nested
blank nodes (results, alignments, identity objects, evidence) and a
``BitstringStatusListEntry``. The content mirrors what Credstack issues (architecture §2:
OB 3.0 vocabulary only, EU elements as alignments, hashed e-mail + name identity).
"""

from __future__ import annotations

from typing import Any

from credstack.core.identity import email_identity, name_identity

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ESCO_PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
ESCO_MACHINE_LEARNING = "http://data.europa.eu/esco/skill/3a2d5b45-56e4-4f5a-a55a-4a4a65afdc43"
ESCO_DATA_MINING = "http://data.europa.eu/esco/skill/25f0ea33-b4a2-4f31-b7b4-7d20e827b180"
EQF_LEVEL_6 = "http://data.europa.eu/snb/eqf/6"
PEER_ASSESSMENT = "http://data.europa.eu/snb/assessment/19a2e5e671"


def _alignment(target_type: str, name: str, url: str, code: str, framework: str) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetType": target_type,
        "targetName": name,
        "targetUrl": url,
        "targetCode": code,
        "targetFramework": framework,
    }


def _issuer(did: str, name: str, country: str) -> dict[str, Any]:
    return {
        "id": did,
        "type": ["Profile"],
        "name": name,
        "url": "https://credentials.example.org",
        "email": "registry@credentials.example.org",
        "address": {"type": ["Address"], "addressCountry": country},
    }


def eu_micro_credential(issuer_did: str) -> dict[str, Any]:
    """An EU micro-credential: ESCO skills, EQF level, ECTS, assessment, graded result."""
    base = "https://credentials.example.org"
    grade_id = f"{base}/achievements/ml-101/results/grade"
    return {
        "@context": [VC_V2, OB_V3],
        "id": f"{base}/credentials/8f0c7d3e-2a41-4c55-9b1e-5d2f7a9e6c10",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": _issuer(issuer_did, "Technische Universität Süd — Weiterbildung", "DE"),
        "validFrom": "2025-03-01T09:00:00Z",
        "validUntil": "2030-03-01T09:00:00Z",
        "awardedDate": "2025-03-01T09:00:00Z",
        "name": "Machine Learning with Python (5 ECTS)",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                email_identity("jürgen.müller@example.de", "d3c1f0a9b8e7"),
                name_identity("Jürgen Müller"),
            ],
            "achievement": {
                "id": f"{base}/achievements/ml-101",
                "type": ["Achievement"],
                "achievementType": "MicroCredential",
                "name": "Machine Learning with Python",
                "description": "Supervised and unsupervised learning with scikit-learn.",
                "criteria": {
                    "narrative": (
                        "Learning outcomes:\n1. Train and evaluate models.\n"
                        "2. Explain bias/variance trade-offs.\n"
                        'Passed the "capstone" project (peer assessed).'
                    )
                },
                "creditsAvailable": 5.0,
                "inLanguage": "en",
                "tag": ["machine learning", "Python", "ECTS"],
                "alignment": [
                    _alignment(
                        "ext:ESCOSkill",
                        "machine learning",
                        ESCO_MACHINE_LEARNING,
                        "3a2d5b45-56e4-4f5a-a55a-4a4a65afdc43",
                        "ESCO",
                    ),
                    _alignment(
                        "ext:ESCOSkill",
                        "Python (computer programming)",
                        ESCO_PYTHON,
                        "ccd0a1d9-afda-43d9-b901-96344886e14d",
                        "ESCO",
                    ),
                    _alignment(
                        "ext:EQFLevel",
                        "Level 6",
                        EQF_LEVEL_6,
                        "6",
                        "European Qualifications Framework for lifelong learning (EQF)",
                    ),
                    _alignment(
                        "ext:AssessmentType",
                        "peer assessment",
                        PEER_ASSESSMENT,
                        "19a2e5e671",
                        "Assessment type",
                    ),
                ],
                "resultDescription": [
                    {
                        "id": grade_id,
                        "type": ["ResultDescription"],
                        "name": "Final grade (German scale)",
                        "resultType": "LetterGrade",
                        "allowedValue": ["1,0", "1,3", "1,7", "2,0", "2,3", "3,0", "4,0"],
                        "requiredValue": "4,0",
                    }
                ],
            },
            "result": [{"type": ["Result"], "resultDescription": grade_id, "value": "1,3"}],
        },
        "evidence": [
            {
                "id": f"{base}/evidence/capstone-4711",
                "type": ["Evidence"],
                "name": "Capstone repository",
                "narrative": "Churn prediction for a regional energy provider.",
            }
        ],
    }


def multilingual_credential(issuer_did: str) -> dict[str, Any]:
    """Names in five scripts, emoji, and strings N-Quads must escape."""
    base = "https://badges.example.jp"
    return {
        "@context": [VC_V2, OB_V3],
        "id": "urn:uuid:3b9e2c1a-7f64-4e0b-8d2a-0c5e9f1b7a42",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": _issuer(issuer_did, "東京データ学院 · Ακαδημία Δεδομένων", "JP"),
        "validFrom": "2024-12-24T23:59:59Z",
        "name": "データ分析入門 🎓",
        "description": 'Tab\there, a backslash \\ and "quotes", CR\r\nLF, bell\u0007, form feed\f.',
        "credentialSubject": {
            "id": "did:example:learner-ß-ø-ł",
            "type": ["AchievementSubject"],
            "identifier": [name_identity("Zoë Ó Briain-Nakamura 中村")],
            "achievement": {
                "id": f"{base}/achievements/intro-data",
                "type": ["Achievement"],
                "name": "Введение в анализ данных — مقدمة في تحليل البيانات",
                "description": "Decomposed e\u0301 vs precomposed é; zero-width\u200bjoiner.",
                "criteria": {"narrative": "合格基準: 80点以上。\nΚριτήριο: ≥ 80 %."},  # noqa: RUF001 (Greek on purpose)
                "creditsAvailable": 7.5,
                "alignment": [
                    _alignment(
                        "ext:ESCOSkill",
                        "data mining",
                        ESCO_DATA_MINING,
                        "25f0ea33-b4a2-4f31-b7b4-7d20e827b180",
                        "ESCO",
                    ),
                ],
            },
        },
    }


def language_tagged_credential(issuer_did: str) -> dict[str, Any]:
    """Language-tagged value objects (VC 2.0 §11.1) on credential and achievement.

    Valid JSON-LD and VC 2.0, but the OB 3.0 JSON Schema wants plain strings for
    ``name``/``description``, so Credstack never issues this shape; it may still have to
    verify it, which is why both implementations must hash it alike.
    """
    return {
        "@context": [VC_V2, OB_V3],
        "id": "https://univ.example.fr/credentials/2f6a",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": _issuer(issuer_did, "Université d'Exemple", "FR"),
        "validFrom": "2025-06-30T12:00:00Z",
        "name": [
            {"@value": "Gestion de projet agile", "@language": "fr"},
            {"@value": "Agile project management", "@language": "en"},
        ],
        "credentialSubject": {
            "id": "did:example:etudiant-42",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://univ.example.fr/achievements/agile",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": {"@value": "Gestion de projet agile", "@language": "fr-FR"},
                "description": [
                    {"@value": "Scrum, Kanban et rétrospectives.", "@language": "fr"},
                    {"@value": "Scrum, Kanban und Retrospektiven.", "@language": "de"},
                ],
                "criteria": {"narrative": "Examen écrit et projet en équipe."},
            },
        },
    }


def direction_tagged_credential(issuer_did: str) -> dict[str, Any]:
    """A right-to-left name with ``@direction`` (VC 2.0 §11.1.2 base direction).

    jsonld.js and the eddsa-rdfc-2022 cryptosuite canonicalize with
    ``rdfDirection: "i18n-datatype"`` (the literal's datatype becomes
    ``https://www.w3.org/ns/i18n#ar_rtl``), so a verifier that drops the direction hashes
    different bytes (w3c/vc-data-integrity#366).
    """
    return {
        "@context": [VC_V2, OB_V3],
        "id": "https://academy.example.ae/credentials/77",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": _issuer(issuer_did, "أكاديمية المثال", "AE"),
        "validFrom": "2025-01-15T08:00:00Z",
        "name": {"@value": "شهادة تحليل البيانات", "@language": "ar", "@direction": "rtl"},
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [name_identity("ليلى الأحمد")],
            "achievement": {
                "id": "https://academy.example.ae/achievements/data",
                "type": ["Achievement"],
                "name": "Data Analysis",
                "description": "Descriptive statistics and visualisation.",
                "criteria": {"narrative": "Completed all modules."},
            },
        },
    }


def with_status(credential: dict[str, Any], list_url: str, index: int) -> dict[str, Any]:
    """The credential with one revocation ``BitstringStatusListEntry`` (architecture §2)."""
    return {
        **credential,
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
    }


#: samples that also pass the OB 3.0 JSON Schema (what Credstack itself issues)
SCHEMA_VALID = ("eu-micro-credential", "multilingual-escapes")

#: every sample that both implementations must agree on, by a readable test id
SAMPLES = {
    "eu-micro-credential": eu_micro_credential,
    "multilingual-escapes": multilingual_credential,
    "language-tagged": language_tagged_credential,
}
