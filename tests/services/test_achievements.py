"""Achievements: created from the example file, published with the EU checks, versioned.

Runs on SQLite and (with ``CREDSTACK_TEST_DATABASE_URL``) PostgreSQL through ``db``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.achievement import parse_definition
from credstack.core.canonicalize import canonicalize
from credstack.core.credential import build_achievement_credential
from credstack.core.errors import ConflictError, FetchError, NotFoundError, ValidationError
from credstack.core.keys import Ed25519KeyPair
from credstack.core.proofs import sign_data_integrity
from credstack.core.report import CheckStatus
from credstack.core.schemas import validate_credential
from credstack.core.verify import VerifyOptions, verify
from credstack.services.accounts.users import Principal
from credstack.services.achievements import lifecycle as achievements
from credstack.services.audit import list_events
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import active_signer
from credstack.services.issuers.profiles import create_issuer, issuer_profile_json
from credstack.services.skills.catalog import achievement_skills
from credstack.store.models import AchievementState, Framework, Skill

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"
MASTER = b"achievement-tests-master-secret-0123456"
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5ad71540000000049454e44ae426082"
)


def ticking_clock() -> Callable[[], datetime]:
    start = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
    ticks = itertools.count()
    return lambda: start + timedelta(seconds=next(ticks))


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return ServiceContext(
        base_url="http://127.0.0.1:8000", master_secret=MASTER, home=tmp_path, clock=ticking_clock()
    )


@pytest.fixture
def issuer(db: Session, ctx: ServiceContext) -> str:
    organization = create_issuer(
        db,
        ctx,
        name="Example University",
        type="university",
        url="https://www.example-university.eu",
        country="NL",
        region="Noord-Holland",
    )
    return organization.slug


def example_mapping() -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def as_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False)


def credential_around(ctx: ServiceContext, db: Session, slug: str, achievement: Any) -> Any:
    from credstack.services.issuers.organizations import organization_by_slug

    return build_achievement_credential(
        credential_id=ctx.url("/credentials/test-1"),
        issuer=issuer_profile_json(ctx, organization_by_slug(db, slug)),
        achievement=achievement.achievement_json,
        recipient_email="ada@example.org",
        recipient_name="Ada Lovelace",
        salt="c2FsdHNhbHQ",
        valid_from=datetime(2026, 5, 5, tzinfo=UTC),
    )


def test_example_file_becomes_a_draft_with_its_skills(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    achievement = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=EXAMPLE.read_text(encoding="utf-8")
    )
    assert achievement.state is AchievementState.DRAFT
    assert achievement.version == 1
    assert achievement.lineage_id == achievement.id
    assert achievement.name == "Data Analysis with Python"
    assert achievement.eu_micro_credential is True
    assert achievement.achievement_json is None
    skills = achievement_skills(db, achievement.id)
    codes = {(skill.framework, skill.code) for skill in skills}
    assert (
        Framework.ESCO,
        "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
    ) in codes
    assert (Framework.ONET, "2.B.3.e") in codes
    # five ESCO skills and one O*NET element; the O*NET occupation is not a skill row
    assert len(skills) == 6
    assert (Framework.ONET, "15-2051.00") not in codes


def test_an_imported_skill_row_is_reused_with_its_official_label(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    uri = "http://data.europa.eu/esco/skill/2b92a5b2-6758-4ee3-9fb4-b6387a55cc8f"
    db.add(Skill(framework=Framework.ESCO, code=uri, label="perform data analysis (official)"))
    db.flush()
    first = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=EXAMPLE.read_text(encoding="utf-8")
    )
    second = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=EXAMPLE.read_text(encoding="utf-8")
    )
    rows = db.scalars(select(Skill).where(Skill.code == uri)).all()
    assert len(rows) == 1
    assert rows[0].label == "perform data analysis (official)"
    assert rows[0] in achievement_skills(db, first.id)
    assert rows[0] in achievement_skills(db, second.id)


def test_published_json_is_valid_ob3_inside_a_credential_and_canonicalizes(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    draft = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=EXAMPLE.read_text(encoding="utf-8")
    )
    published = achievements.publish(db, ctx, draft.id)
    assert published.state is AchievementState.PUBLISHED
    assert published.published_at is not None
    body = published.achievement_json
    assert body is not None
    assert body["id"] == f"http://127.0.0.1:8000/achievements/{draft.id}"
    assert body["type"] == ["Achievement"]
    assert body["achievementType"] == "MicroCredential"
    assert body["creditsAvailable"] == 5
    assert body["creator"]["address"]["addressCountryCode"] == "NL"
    targets = {alignment["targetUrl"] for alignment in body["alignment"]}
    assert "http://data.europa.eu/esco/skill/382c11ed-20d5-4ae7-b60e-15fec527fa6c" in targets
    # the definition names a published image URL, so the JSON keeps it
    assert body["image"]["id"].endswith("/data-analysis-python/badge.png")
    credential = credential_around(ctx, db, issuer, published)
    assert validate_credential(credential) == []
    nquads = canonicalize(credential)  # raises on any undefined term
    assert f"<http://127.0.0.1:8000/achievements/{draft.id}>" in nquads


def test_a_credential_for_the_published_achievement_signs_and_verifies(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    from credstack.services.issuers.organizations import organization_by_slug

    draft = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=EXAMPLE.read_text(encoding="utf-8")
    )
    published = achievements.publish(db, ctx, draft.id)
    organization = organization_by_slug(db, issuer)
    signer = active_signer(db, ctx, organization.id)
    assert isinstance(signer.key_pair, Ed25519KeyPair)
    signed = sign_data_integrity(
        credential_around(ctx, db, issuer, published),
        signer.key_pair,
        signer.verification_method,
        created=datetime(2026, 5, 5, tzinfo=UTC),
    )

    def no_network(url: str) -> bytes:
        raise FetchError(f"no network in this test ({url})")

    report = verify(
        json.dumps(signed),
        input_name="credential",
        options=VerifyOptions(now=datetime(2026, 6, 1, tzinfo=UTC), fetch=no_network),
    )
    failed = [(c.id, c.message) for c in report.checks if c.status is CheckStatus.FAIL]
    assert failed == []
    assert report.verified


def test_eu_micro_credential_missing_ects_and_assessment_is_refused_naming_both(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    data = example_mapping()
    for field in ("ects_credits", "workload_hours", "assessment"):
        del data[field]
    draft = achievements.create_achievement(db, ctx, issuer_slug=issuer, definition=as_yaml(data))
    with pytest.raises(ValidationError) as refused:
        achievements.publish(db, ctx, draft.id)
    problems = refused.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("notional workload")
    assert "ects_credits" in problems[0]
    assert problems[1].startswith("type of assessment")
    assert "2 mandatory elements are missing" in refused.value.message
    assert achievements.get(db, draft.id).state is AchievementState.DRAFT
    assert achievements.get(db, draft.id).achievement_json is None


def test_the_same_gaps_are_fine_when_not_an_eu_micro_credential(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    data = example_mapping()
    for field in ("ects_credits", "workload_hours", "assessment"):
        del data[field]
    data["eu_micro_credential"] = False
    draft = achievements.create_achievement(db, ctx, issuer_slug=issuer, definition=as_yaml(data))
    published = achievements.publish(db, ctx, draft.id)
    assert published.state is AchievementState.PUBLISHED
    assert "creditsAvailable" not in (published.achievement_json or {})


def test_editing_a_published_achievement_makes_version_two_and_keeps_version_one(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    first = achievements.publish(
        db,
        ctx,
        achievements.create_achievement(
            db, ctx, issuer_slug=issuer, definition=EXAMPLE.read_text(encoding="utf-8")
        ).id,
    )
    first_json = dict(first.achievement_json or {})
    data = example_mapping()
    data["name"] = "Data Analysis with Python and SQL"
    data["ects_credits"] = 6
    second = achievements.update(db, ctx, first.id, as_yaml(data))
    assert second.id != first.id
    assert (second.lineage_id, second.version) == (first.lineage_id, 2)
    assert second.state is AchievementState.DRAFT
    assert second.image == first.image
    # version 1 is untouched and still what new awards use until version 2 is published
    again = achievements.get(db, first.id)
    assert again.state is AchievementState.PUBLISHED
    assert again.achievement_json == first_json
    assert achievements.current_published(db, first.lineage_id) is again
    # a second edit before publishing changes the pending draft, not a third version
    data["ects_credits"] = 7
    still_second = achievements.update(db, ctx, first.id, as_yaml(data))
    assert still_second.id == second.id
    assert achievements.definition_of(still_second).ects_credits == 7
    achievements.publish(db, ctx, second.id)
    assert achievements.current_published(db, first.lineage_id) is second
    assert achievements.get(db, first.id).state is AchievementState.PUBLISHED
    assert (second.achievement_json or {})["name"] == "Data Analysis with Python and SQL"
    assert (second.achievement_json or {})["id"].endswith(f"/achievements/{second.id}")
    kinds = [event.kind for event in list_events(db, kind_prefix="achievement.")]
    assert kinds.count("achievement.versioned") == 1
    assert kinds.count("achievement.published") == 2
    assert kinds.count("achievement.created") == 1


def test_a_draft_is_edited_in_place(db: Session, ctx: ServiceContext, issuer: str) -> None:
    draft = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=EXAMPLE.read_text(encoding="utf-8")
    )
    data = example_mapping()
    data["skills"] = data["skills"][:1]
    edited = achievements.update(db, ctx, draft.id, as_yaml(data), image=PNG_1X1)
    assert edited.id == draft.id
    assert edited.version == 1
    assert edited.image == PNG_1X1
    assert [skill.label for skill in achievement_skills(db, draft.id)] == [
        "Python (computer programming)"
    ]


def test_default_badge_image_is_generated_when_none_is_given(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    data = example_mapping()
    del data["image"]
    png = achievements.create_achievement(db, ctx, issuer_slug=issuer, definition=as_yaml(data))
    assert png.image_mime == "image/png"
    assert (png.image or b"").startswith(b"\x89PNG\r\n\x1a\n")
    svg = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=as_yaml(data), default_image_format="svg"
    )
    assert svg.image_mime == "image/svg+xml"
    assert "Data Analysis" in (svg.image or b"").decode()
    published = achievements.publish(db, ctx, png.id)
    image = (published.achievement_json or {})["image"]
    assert image["id"] == f"http://127.0.0.1:8000/achievements/{png.id}/image"


def test_a_given_image_is_checked_against_its_content(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    made = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=text, image=PNG_1X1
    )
    assert (made.image, made.image_mime) == (PNG_1X1, "image/png")
    with pytest.raises(ValidationError, match="declared as image/svg\\+xml but its content"):
        achievements.create_achievement(
            db, ctx, issuer_slug=issuer, definition=text, image=PNG_1X1, image_mime="image/svg+xml"
        )
    with pytest.raises(ValidationError, match="not a PNG, JPEG or SVG"):
        achievements.create_achievement(
            db, ctx, issuer_slug=issuer, definition=text, image=b"GIF89a...."
        )


def test_bad_definitions_and_unknown_ids_are_refused_clearly(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    with pytest.raises(ValidationError) as bad:
        achievements.create_achievement(
            db, ctx, issuer_slug=issuer, definition="name: X\ndescription: Y\neqf_level: 12\n"
        )
    assert any(problem.startswith("eqf_level") for problem in bad.value.problems)
    with pytest.raises(NotFoundError, match="no issuer with slug 'nobody'"):
        achievements.create_achievement(
            db, ctx, issuer_slug="nobody", definition=parse_definition(EXAMPLE.read_text())
        )
    with pytest.raises(NotFoundError, match="achievement list"):
        achievements.publish(db, ctx, "no-such-id")


def test_archive_lists_and_public_visibility(db: Session, ctx: ServiceContext, issuer: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    draft = achievements.create_achievement(db, ctx, issuer_slug=issuer, definition=text)
    with pytest.raises(NotFoundError):
        achievements.public_achievement(db, draft.id)
    published = achievements.publish(db, ctx, draft.id)
    with pytest.raises(ConflictError, match="only a draft can be published"):
        achievements.publish(db, ctx, draft.id)
    archived = achievements.archive(db, ctx, published.id, principal=Principal.operator())
    assert archived.state is AchievementState.ARCHIVED
    # archived versions stay resolvable: issued credentials point at them
    assert achievements.public_achievement(db, draft.id) is archived
    assert achievements.current_published(db, draft.lineage_id) is None
    with pytest.raises(ConflictError, match="archived"):
        achievements.update(db, ctx, draft.id, text)
    other = create_issuer(
        db, ctx, name="Other Org", type="company", url="https://other.example", country="DE"
    )
    achievements.create_achievement(db, ctx, issuer_slug=other.slug, definition=text)
    operator = Principal.operator()
    listed = achievements.list_achievements(db, principal=operator, issuer_slug=issuer).items
    assert [a.id for a in listed] == [draft.id]
    assert len(achievements.list_achievements(db, principal=operator).items) == 2
