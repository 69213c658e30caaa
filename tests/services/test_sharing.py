"""Shared-credential facts, the LinkedIn add-to-profile URL, QR codes and live verification."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import segno
from sqlalchemy.orm import Session

from credstack.core.report import CheckStatus
from credstack.services.context import ServiceContext
from credstack.services.learners.sharing import (
    Alignment,
    CredentialFacts,
    credential_facts,
    linkedin_add_url,
    qr_svg,
)
from credstack.services.revocation.revoke import revoke
from credstack.services.verification.local import live_verification
from credstack.store.models import Achievement, Award, Organization
from issued_awards import issue, make_context, new_achievement, new_issuer

ALIGNMENTS = [
    {
        "type": ["Alignment"],
        "targetType": "ext:LearningOutcome",
        "targetName": "Cleans a messy data set",
        "targetUrl": "http://127.0.0.1:8000/achievements/x#learning-outcome-1",
        "targetCode": "LO1",
        "targetFramework": "Learning outcomes of Data literacy",
    },
    {
        "type": ["Alignment"],
        "targetType": "ext:ESCOSkill",
        "targetName": "analyse big data",
        "targetUrl": "http://data.europa.eu/esco/skill/ed8a9a5b-5d9d-4a3b-8e5b-6a1f3c3a4f9e",
        "targetFramework": "ESCO",
    },
    {
        "type": ["Alignment"],
        "targetType": "ext:EQFLevel",
        "targetName": "Level 5",
        "targetUrl": "http://data.europa.eu/snb/eqf/5",
        "targetFramework": "European Qualifications Framework",
    },
]


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return make_context(tmp_path)


@pytest.fixture
def org(db: Session, ctx: ServiceContext) -> Organization:
    return new_issuer(db, ctx)


@pytest.fixture
def achievement(db: Session, org: Organization) -> Achievement:
    achievement = new_achievement(db, org)
    assert achievement.achievement_json is not None
    achievement.achievement_json = {**achievement.achievement_json, "alignment": ALIGNMENTS}
    db.flush()
    return achievement


@pytest.fixture
def award(db: Session, ctx: ServiceContext, org: Organization, achievement: Achievement) -> Award:
    return issue(db, ctx, org, achievement, name="Ada Lovelace")


def facts(**changes: object) -> CredentialFacts:
    base: dict[str, object] = {
        "award_id": "abc123",
        "url": "https://creds.example/credentials/abc123",
        "learner_name": "Ada Lovelace",
        "achievement_name": "Data literacy & ethics",
        "achievement_description": None,
        "criteria": None,
        "issuer_name": "Acme University",
        "issuer_url": None,
        "issuer_linkedin_id": None,
        "image_url": None,
        "valid_from": datetime(2026, 3, 1, tzinfo=UTC),
        "valid_until": None,
        "revoked": False,
        "revocation_reason": None,
        "credits": None,
    }
    base.update(changes)
    return CredentialFacts(**base)  # type: ignore[arg-type]


def test_linkedin_url_without_expiry_names_the_organisation() -> None:
    assert linkedin_add_url(facts()) == (
        "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME"
        "&name=Data+literacy+%26+ethics&organizationName=Acme+University"
        "&issueYear=2026&issueMonth=3"
        "&certUrl=https%3A%2F%2Fcreds.example%2Fcredentials%2Fabc123&certId=abc123"
    )


def test_linkedin_url_uses_the_organisation_id_and_expiry_when_known() -> None:
    url = linkedin_add_url(
        facts(issuer_linkedin_id="1337", valid_until=datetime(2029, 11, 30, tzinfo=UTC))
    )
    assert url == (
        "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME"
        "&name=Data+literacy+%26+ethics&organizationId=1337"
        "&issueYear=2026&issueMonth=3&expirationYear=2029&expirationMonth=11"
        "&certUrl=https%3A%2F%2Fcreds.example%2Fcredentials%2Fabc123&certId=abc123"
    )


def test_linkedin_url_never_carries_an_empty_parameter() -> None:
    url = linkedin_add_url(facts(issuer_name="", valid_from=None))
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    assert all(value for _, value in pairs)
    assert [name for name, _ in pairs] == ["startTask", "name", "certUrl", "certId"]


def test_facts_come_from_the_signed_credential(
    db: Session, ctx: ServiceContext, org: Organization, award: Award
) -> None:
    shown = credential_facts(ctx, award, org)
    assert shown.learner_name == "Ada Lovelace"
    assert shown.achievement_name == "Data literacy"
    assert shown.issuer_name == "Issuer acme"
    assert shown.url == ctx.url(f"/credentials/{award.id}")
    assert shown.learning_outcomes == ["Cleans a messy data set"]
    assert [s.name for s in shown.skills] == ["analyse big data"]
    assert shown.eu_elements == [
        Alignment(
            name="Level 5",
            framework="European Qualifications Framework",
            url="http://data.europa.eu/snb/eqf/5",
            description=None,
        )
    ]
    assert shown.valid_from == award.valid_from
    assert not shown.revoked


def test_qr_code_encodes_the_page_url_and_embeds_in_html() -> None:
    svg = qr_svg("https://creds.example/credentials/abc123")
    assert svg.startswith("<svg") and "<?xml" not in svg
    assert "https://creds.example/credentials/abc123" in svg  # as the SVG title
    assert segno.make("https://creds.example/credentials/abc123", error="m").version <= 4


def test_live_verification_passes_then_says_revoked(
    db: Session, ctx: ServiceContext, award: Award
) -> None:
    report = live_verification(db, ctx, award)
    assert report.verified, "\n".join(str(c) for c in report.checks)
    revoke(db, ctx, award.id, "issued in error")
    report = live_verification(db, ctx, award)
    assert not report.verified
    status = report.check("status")
    assert status is not None and status.status is CheckStatus.FAIL
    assert "revoked" in status.message.lower()
