"""Renderings: every export form carries the signed credential and verifies."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from credstack.core.badge_image import default_badge_png, default_badge_svg
from credstack.core.baking import extract_png, extract_svg
from credstack.core.errors import ConflictError, FetchError
from credstack.core.inputs import parse_input
from credstack.core.verify import VerifyOptions, verify
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.services.learners.renderings import (
    baked_png,
    baked_svg,
    credential_json,
    credential_jwt,
    render,
)
from credstack.services.revocation.key_compromise import compromise_key
from credstack.services.revocation.revoke import revoke
from credstack.services.status.lists import publish
from credstack.store.models import Award
from issued_awards import issue, make_context, new_achievement, new_issuer

ISSUER_PNG = default_badge_png("Issuer artwork", "Acme", "artwork-seed")
ISSUER_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle r="4"/></svg>'


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return make_context(tmp_path)


def _verified(db: Session, ctx: ServiceContext, award: Award, data: bytes) -> dict[str, str]:
    assert award.status_list_id is not None
    list_text = publish(db, ctx, award.status_list_id)

    def fetch(url: str) -> bytes:
        if url == json.loads(list_text)["id"]:
            return list_text.encode()
        raise FetchError(f"{url}: not served in this test")

    report = verify(
        data,
        input_name="export",
        options=VerifyOptions(now=ctx.now() + timedelta(hours=1), fetch=fetch),
    )
    return {check.id: check.status.value for check in report.checks} | {
        "verified": str(report.verified)
    }


def test_json_is_the_stored_text_byte_for_byte(db: Session, ctx: ServiceContext) -> None:
    org = new_issuer(db, ctx)
    award = issue(db, ctx, org, new_achievement(db, org))
    assert credential_json(award) == award.credential.encode("utf-8")
    assert render(db, ctx, award, "json") == award.credential.encode("utf-8")
    assert _verified(db, ctx, award, credential_json(award))["verified"] == "True"


def test_jwt_is_signed_once_verifies_and_leaves_the_stored_json_alone(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    award = issue(db, ctx, org, new_achievement(db, org))
    stored = award.credential

    token = credential_jwt(db, ctx, award)

    assert award.jwt == token and award.credential == stored
    assert credential_jwt(db, ctx, award) == token  # served from the store afterwards
    parsed = parse_input(token)
    assert parsed.format == "jwt"
    expected = {k: v for k, v in json.loads(stored).items() if k != "proof"}
    assert parsed.credential == expected
    checks = _verified(db, ctx, award, token.encode())
    assert checks["verified"] == "True", checks
    assert checks["proof"] == "pass"


def test_png_bakes_the_issuer_png(db: Session, ctx: ServiceContext) -> None:
    org = new_issuer(db, ctx)
    achievement = new_achievement(db, org, image=ISSUER_PNG, image_mime="image/png")
    award = issue(db, ctx, org, achievement)
    png = baked_png(db, award)
    assert extract_png(png) == json.loads(award.credential)
    # the issuer's own artwork, with one chunk added
    assert png.startswith(ISSUER_PNG[:-12])  # every chunk kept; the credential before IEND
    assert parse_input(png).format == "png"
    assert _verified(db, ctx, award, png)["verified"] == "True"


def test_png_of_an_svg_achievement_uses_the_generated_default_badge(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    achievement = new_achievement(db, org, image=ISSUER_SVG, image_mime="image/svg+xml")
    award = issue(db, ctx, org, achievement)
    png = baked_png(db, award)
    default = default_badge_png(achievement.name, org.name, f"{org.slug}/{achievement.name}")
    assert png.startswith(default[:-12])
    assert extract_png(png) == json.loads(award.credential)


def test_svg_bakes_the_issuer_svg(db: Session, ctx: ServiceContext) -> None:
    org = new_issuer(db, ctx)
    achievement = new_achievement(db, org, image=ISSUER_SVG, image_mime="image/svg+xml")
    award = issue(db, ctx, org, achievement)
    svg = baked_svg(db, award)
    assert b"<circle" in svg
    assert extract_svg(svg) == json.loads(award.credential)
    assert parse_input(svg).format == "svg"
    assert _verified(db, ctx, award, svg)["verified"] == "True"


def test_svg_of_a_png_achievement_shows_the_png_and_without_image_the_default(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    with_png = issue(
        db, ctx, org, new_achievement(db, org, image=ISSUER_PNG, image_mime="image/png")
    )
    svg = baked_svg(db, with_png)
    assert b'href="data:image/png;base64,' in svg
    assert extract_svg(svg) == json.loads(with_png.credential)

    bare = new_achievement(db, org)
    without = issue(db, ctx, org, bare, email="bob@example.org")
    svg = baked_svg(db, without)
    title = default_badge_svg(bare.name, org.name, f"{org.slug}/{bare.name}")
    assert title.split(">", 1)[0].encode() in svg  # the generated badge's root element
    assert extract_svg(svg) == json.loads(without.credential)


def test_a_revoked_export_still_parses_but_fails_its_status_check(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    award = issue(db, ctx, org, new_achievement(db, org))
    revoke(db, ctx, award.id, "issued in error")
    checks = _verified(db, ctx, award, baked_png(db, award))
    assert checks["verified"] == "False"
    assert [c for c, status in checks.items() if status == "fail"] == ["status"]


def test_no_jwt_is_made_with_a_compromised_key(db: Session, ctx: ServiceContext) -> None:
    org = new_issuer(db, ctx)
    award = issue(db, ctx, org, new_achievement(db, org))
    key_id = json.loads(award.credential)["proof"][0]["verificationMethod"].split("#")[1]
    compromise_key(db, ctx, org.slug, key_id, principal=Principal.operator())
    with pytest.raises(ConflictError, match="compromised"):
        credential_jwt(db, ctx, award)
    assert award.jwt is None
