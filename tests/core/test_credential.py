"""The OB 3.0 credential builder: schema-valid, canonicalizable, signable, private."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jsonschema
import pytest

from credstack.core.achievement import AchievementDefinition, parse_definition
from credstack.core.canonicalize import canonicalize
from credstack.core.credential import (
    ACHIEVEMENT_CREDENTIAL_SCHEMA,
    achievement_json,
    build_achievement_credential,
    issuer_profile,
)
from credstack.core.dids import did_key_for, did_key_verification_method
from credstack.core.errors import CanonicalizationError, InputError
from credstack.core.eu_elements import grade_result
from credstack.core.identity import identity_matches
from credstack.core.keys import Ed25519KeyPair
from credstack.core.proofs import sign_data_integrity, verify_proofs
from credstack.core.schemas import validate_credential
from fixture_paths import REPO_ROOT, STANDARDS

EXAMPLE = REPO_ROOT / "examples" / "micro-credential.yaml"
OB_SCHEMA = STANDARDS / "schemas" / "1edtech-ob-v3p0" / "achievementcredential.json"
KEY = Ed25519KeyPair.from_seed(bytes(range(32)))
DID = did_key_for(KEY.public_multibase)
ACHIEVEMENT_URL = "https://credstack.example/achievements/ach_7Qx2"
EMAIL = "Maria.Rossi@example.org"


def _definition() -> AchievementDefinition:
    return parse_definition(EXAMPLE.read_text(encoding="utf-8"))


def _issuer() -> dict[str, Any]:
    return issuer_profile(
        id=DID,
        name="Example University",
        url="https://www.example-university.eu",
        email="microcredentials@example-university.eu",
        description="A research university in the Netherlands.",
        image_url="https://www.example-university.eu/logo.png",
        country_code="nl",
        country="Netherlands",
        region="Utrecht",
    )


def _credential(**overrides: Any) -> dict[str, Any]:
    issuer = _issuer()
    achievement = achievement_json(
        _definition(), achievement_id_url=ACHIEVEMENT_URL, issuer_profile=issuer
    )
    arguments: dict[str, Any] = {
        "credential_id": "urn:uuid:2f1c7a51-1a4b-4f0c-9a56-6b3f0b4c6c11",
        "issuer": issuer,
        "achievement": achievement,
        "recipient_email": EMAIL,
        "recipient_name": "Maria Rossi",
        "salt": "3q2-+7w",
        "valid_from": datetime(2025, 3, 1, 13, 0, 5, 987654, tzinfo=timezone(timedelta(hours=1))),
        "valid_until": datetime(2030, 3, 1, tzinfo=UTC),
        "status_entry": {
            "id": "https://credstack.example/status/3#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://credstack.example/status/3",
        },
        "evidence": [{"id": "https://git.example.org/maria/analysis", "name": "Final project"}],
        "result": [grade_result(achievement, "B")],
        "narrative": "Completed the spring 2025 cohort.",
        "external_id": "S-2025-0042",
    }
    arguments.update(overrides)
    return build_achievement_credential(**arguments)


def test_credential_passes_the_strict_ob3_schema_via_credstack_and_directly() -> None:
    credential = _credential()
    assert validate_credential(credential) == []
    schema = json.loads(OB_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft201909Validator(schema).validate(credential)


def test_minimal_credential_without_optional_parts_is_also_schema_valid() -> None:
    achievement = achievement_json(
        parse_definition("name: Git basics\ndescription: Branches and merges."),
        achievement_id_url=ACHIEVEMENT_URL,
    )
    credential = build_achievement_credential(
        credential_id="urn:uuid:0b0f1a33-54c2-4bb3-9d35-8a43bf1f4d70",
        issuer=issuer_profile(id=DID, name="Example University"),
        achievement=achievement,
        recipient_email="a@example.org",
        recipient_name="A. Person",
        salt="x",
        valid_from=datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert validate_credential(credential) == []
    assert set(credential) == {
        "@context", "id", "type", "name", "issuer", "validFrom",
        "credentialSubject", "credentialSchema",
    }  # fmt: skip
    canonicalize(credential)


def test_shape_contexts_and_dates() -> None:
    credential = _credential()
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["name"] == "Data Analysis with Python"
    assert isinstance(credential["issuer"], dict)
    assert isinstance(credential["credentialSubject"], dict)
    assert isinstance(credential["credentialStatus"], dict)
    assert credential["evidence"][0]["type"] == ["Evidence"]
    assert credential["credentialSubject"]["result"][0]["type"] == ["Result"]
    assert credential["credentialSchema"] == [
        {"id": ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": "JsonSchema"}
    ]
    assert credential["validFrom"] == "2025-03-01T12:00:05Z"  # UTC, no microseconds
    assert credential["validUntil"] == "2030-03-01T00:00:00Z"
    assert "jti" not in credential and "endorsementJwt" not in credential
    assert credential["issuer"]["address"]["addressCountryCode"] == "NL"
    assert credential["issuer"]["image"] == {
        "id": "https://www.example-university.eu/logo.png",
        "type": "Image",
        "caption": "Logo of Example University",
    }


def test_every_term_is_defined_by_vc2_and_ob3_contexts() -> None:
    credential = _credential()
    nquads = canonicalize(credential)
    # EU elements are really in the signed graph, not dropped
    assert "<http://data.europa.eu/snb/eqf/6>" in nquads or "snb/eqf/6" in nquads
    assert '"ext:EQFLevel"' in nquads
    assert "https://purl.imsglobal.org/spec/vc/ob/vocab.html#creditsAvailable" in nquads
    # the check is real: an invented top-level term is refused, as it would be when signing
    invented = {**credential, "ectsCredits": 5}
    with pytest.raises(CanonicalizationError):
        canonicalize(invented)


def test_signed_credential_verifies_with_eddsa_rdfc_2022() -> None:
    signed = sign_data_integrity(
        _credential(),
        KEY,
        did_key_verification_method(KEY.public_multibase),
        created=datetime(2025, 3, 1, 12, 0, 6, tzinfo=UTC),
    )
    assert verify_proofs(signed).verified
    tampered = json.loads(json.dumps(signed))
    tampered["credentialSubject"]["achievement"]["alignment"][5]["targetCode"] = "7"
    assert not verify_proofs(tampered).verified


def test_learner_is_identified_without_the_email_appearing() -> None:
    credential = _credential()
    identifiers = credential["credentialSubject"]["identifier"]
    assert identity_matches(identifiers[0], "maria.rossi@example.org")
    assert not identity_matches(identifiers[0], "someone.else@example.org")
    assert identifiers[1] == {
        "type": "IdentityObject",
        "identityHash": "Maria Rossi",
        "identityType": "name",
        "hashed": False,
    }
    assert identifiers[2]["identityType"] == "identifier" and identifiers[2]["hashed"] is True
    text = json.dumps(credential).lower()
    assert "maria.rossi@" not in text
    assert "s-2025-0042" not in text


def test_same_inputs_give_identical_credentials() -> None:
    assert json.dumps(_credential(), sort_keys=True) == json.dumps(_credential(), sort_keys=True)


def test_refuses_expiry_before_start_and_bad_issuer_data() -> None:
    with pytest.raises(InputError):
        _credential(valid_until=datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(InputError):
        _credential(recipient_name="  ")
    with pytest.raises(InputError):
        issuer_profile(id=DID, name="X", country_code="NLD")
    with pytest.raises(InputError):
        issuer_profile(id=" ", name="X")


def test_achievement_carries_the_definition() -> None:
    achievement = achievement_json(
        _definition(), achievement_id_url=ACHIEVEMENT_URL, issuer_profile=_issuer()
    )
    assert achievement["achievementType"] == "MicroCredential"
    assert achievement["creditsAvailable"] == 5
    assert "5 ECTS credits" in achievement["description"]
    assert "125 hours" in achievement["description"]
    assert achievement["criteria"]["id"].endswith("/data-analysis-python/criteria")
    assert "## Learning outcomes" in achievement["criteria"]["narrative"]
    assert achievement["creator"]["id"] == DID
    assert achievement["inLanguage"] == "en"
    assert achievement["related"] == [
        {
            "id": "https://www.example-university.eu/microcredentials/"
            "applied-data-science-certificate",
            "type": ["Related"],
        }
    ]
    skills = [a for a in achievement["alignment"] if a["targetType"] == "ext:ESCOSkill"]
    assert skills[0] == {
        "type": ["Alignment"],
        "targetType": "ext:ESCOSkill",
        "targetName": "Python (computer programming)",
        "targetUrl": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
        "targetCode": "ccd0a1d9-afda-43d9-b901-96344886e14d",
        "targetFramework": "ESCO (European Skills, Competences, Qualifications and Occupations)",
    }
    onet = {a["targetCode"]: a for a in achievement["alignment"] if "ONET" in a["targetType"]}
    assert onet["15-2051.00"]["targetType"] == "ext:ONETOccupation"
    assert onet["15-2051.00"]["targetUrl"] == "https://www.onetonline.org/link/summary/15-2051.00"
    assert onet["2.B.3.e"]["targetType"] == "ext:ONETElement"
