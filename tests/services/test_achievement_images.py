"""An achievement that publishes can be awarded: inline ``data:`` images are checked at the door.

Issue 9, finding 11: a ``data:`` SVG URI with spaces published, then every award of it
failed with a canonicalization error. Runs on SQLite and PostgreSQL through ``db``.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import award_fixtures
import pytest
import yaml
from sqlalchemy.orm import Session

from credstack.core.errors import ValidationError
from credstack.services.achievements import lifecycle as achievements
from credstack.services.context import ServiceContext
from credstack.services.issuers.profiles import create_issuer
from credstack.services.issuing.awards import issue_award
from credstack.store.models import Achievement, AchievementState

ctx = award_fixtures.ctx
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    '<rect width="10" height="10"/></svg>'
)
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5ad71540000000049454e44ae426082"
)


@pytest.fixture
def issuer(db: Session, ctx: ServiceContext) -> str:
    organization = create_issuer(
        db, ctx, name="Image University", type="university",
        url="https://www.image-university.example", country="NL",
    )  # fmt: skip
    return organization.slug


def definition_with_image(image: str) -> str:
    data: dict[str, Any] = yaml.safe_load(award_fixtures.EXAMPLE.read_text(encoding="utf-8"))
    data["image"] = image
    return yaml.safe_dump(data, sort_keys=False)


def test_a_data_svg_uri_with_spaces_publishes_awards_and_verifies(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    spaced = definition_with_image(f"data:image/svg+xml;utf8,{SVG}")
    draft = achievements.create_achievement(db, ctx, issuer_slug=issuer, definition=spaced)
    stored = draft.definition["image"]
    assert stored == "data:image/svg+xml;base64," + base64.b64encode(SVG.encode()).decode()
    published = achievements.publish(db, ctx, draft.id)
    assert published.achievement_json is not None
    assert published.achievement_json["image"]["id"] == stored
    award = issue_award(db, ctx, achievement_id=published.id, email="ada@example.org", name="Ada")
    checks = award_fixtures.verify_award(db, ctx, award.award)
    assert checks["verified"] == "True", checks
    image = award.award.credential
    assert "data:image/svg+xml;base64," in image and " " not in stored


def test_percent_encoded_and_base64_with_line_breaks_are_accepted_in_one_form(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    encoded = base64.b64encode(PNG_1X1).decode()
    folded = "\n".join(encoded[i : i + 20] for i in range(0, len(encoded), 20))
    for given in (f"data:image/png;base64,{folded}", f"DATA:Image/PNG;base64,{encoded}"):
        draft = achievements.create_achievement(
            db, ctx, issuer_slug=issuer, definition=definition_with_image(given)
        )
        assert draft.definition["image"] == f"data:image/png;base64,{encoded}"


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("data:image/svg+xml;utf8<svg/>", "no comma between its media type and its data"),
        ("data:text/html;base64,PGgxPg==", "of type 'text/html'; an image must be"),
        ("data:image/png;base64,not base64!", "says base64 but its data is not valid base64"),
        ("data:image/svg+xml;base64," + base64.b64encode(PNG_1X1).decode(), "declares image/svg"),
        ("data:image/png,hello", "declares image/png but its content is not an image"),
        ("data:image/png;base64,", "holds no image data"),
    ],
)
def test_a_bad_data_uri_is_refused_at_creation_with_a_clear_message(
    db: Session, ctx: ServiceContext, issuer: str, image: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        achievements.create_achievement(
            db, ctx, issuer_slug=issuer, definition=definition_with_image(image)
        )
    assert any(p.startswith("image: ") and message in p for p in refused.value.problems), (
        refused.value.problems
    )


def test_a_draft_stored_before_the_check_is_normalised_or_refused_at_publish(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    good = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=definition_with_image("https://img.example/b.png")
    )
    bad = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=definition_with_image("https://img.example/b.png")
    )
    # as an older Credstack stored them: the raw text the issuer gave
    for row, image in ((good, f"data:image/svg+xml;utf8,{SVG}"), (bad, "data:image/png;base64,%%")):
        db.get(Achievement, row.id).definition = {**row.definition, "image": image}  # type: ignore[union-attr]
    db.flush()
    published = achievements.publish(db, ctx, good.id)
    award = issue_award(db, ctx, achievement_id=published.id, email="bo@example.org", name="Bo")
    assert award_fixtures.verify_award(db, ctx, award.award)["verified"] == "True"
    with pytest.raises(ValidationError, match="not valid base64"):
        achievements.publish(db, ctx, bad.id)
    assert db.get(Achievement, bad.id).state is AchievementState.DRAFT  # type: ignore[union-attr]


def test_publishing_is_refused_when_a_credential_for_it_could_not_be_signed(
    db: Session, ctx: ServiceContext, issuer: str
) -> None:
    draft = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=award_fixtures.EXAMPLE.read_text(encoding="utf-8")
    )
    # an achievement id that is not an IRI (a base URL with a space): nothing could be awarded
    broken = replace(ctx, base_url="http://127.0.0.1:8000/badges here")
    with pytest.raises(ValidationError, match="could not be signed") as refused:
        achievements.publish(db, broken, draft.id)
    assert "not an absolute IRI" in refused.value.problems[0]
    assert achievements.get(db, draft.id).state is AchievementState.DRAFT
