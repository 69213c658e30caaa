"""Public achievement URLs: the published OB 3.0 JSON, its image, 404 problems for drafts."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from credstack.services.accounts.users import Principal
from credstack.services.achievements import lifecycle as achievements
from credstack.services.context import ServiceContext
from credstack.services.issuers.profiles import create_issuer
from credstack.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'


def ticking_clock() -> Callable[[], datetime]:
    start = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    ticks = itertools.count()
    return lambda: start + timedelta(seconds=next(ticks))


@pytest.fixture
def ctx(settings: Settings, tmp_path: Path) -> ServiceContext:
    """The same base URL as the app, so ids printed in JSON are the app's own URLs."""
    return ServiceContext(
        base_url=settings.base_url,
        master_secret=b"achievement-route-tests-master-secret",
        home=tmp_path,
        clock=ticking_clock(),
    )


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture
def issuer(db: Session, ctx: ServiceContext) -> str:
    org = create_issuer(
        db,
        ctx,
        name="Example University",
        type="university",
        url="https://www.example-university.eu",
        country="NL",
    )
    db.commit()
    return org.slug


def definition_without_image() -> str:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    del data["image"]
    return yaml.safe_dump(data, sort_keys=False)


def test_published_achievement_json_is_served_at_its_own_id(
    db: Session, ctx: ServiceContext, client: TestClient, issuer: str
) -> None:
    draft = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=definition_without_image()
    )
    published = achievements.publish(db, ctx, draft.id)
    db.commit()
    response = client.get(f"/achievements/{draft.id}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "public, max-age=300"
    body = response.json()
    assert body == published.achievement_json
    assert body["id"] == f"{ctx.base_url}/achievements/{draft.id}"
    # the image and creator URLs point back at this app and answer
    image_path = body["image"]["id"].removeprefix(ctx.base_url)
    image = client.get(image_path)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content == published.image
    assert "sandbox" in image.headers["content-security-policy"]
    assert image.headers["x-content-type-options"] == "nosniff"
    profile = client.get(f"/issuers/{issuer}").json()
    assert body["creator"] == profile
    ld = client.get(f"/achievements/{draft.id}", headers={"Accept": "application/ld+json"})
    assert ld.headers["content-type"] == "application/ld+json"


def test_drafts_and_unknown_ids_are_404_problems(
    db: Session, ctx: ServiceContext, client: TestClient, issuer: str
) -> None:
    draft = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=definition_without_image()
    )
    db.commit()
    for path in (
        f"/achievements/{draft.id}",
        f"/achievements/{draft.id}/image",
        "/achievements/unknown",
        "/achievements/unknown/image",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 404


def test_an_uploaded_svg_keeps_its_type_and_versions_stay_apart(
    db: Session, ctx: ServiceContext, client: TestClient, issuer: str
) -> None:
    first = achievements.create_achievement(
        db, ctx, issuer_slug=issuer, definition=definition_without_image(), image=SVG
    )
    achievements.publish(db, ctx, first.id)
    data = yaml.safe_load(definition_without_image())
    data["name"] = "Data Analysis with Python (2027)"
    second = achievements.update(db, ctx, first.id, yaml.safe_dump(data))
    achievements.publish(db, ctx, second.id)
    achievements.archive(db, ctx, first.id, principal=Principal.operator())
    db.commit()
    image = client.get(f"/achievements/{first.id}/image")
    assert image.headers["content-type"] == "image/svg+xml"
    assert image.content == SVG
    # the archived first version is still served: credentials issued for it point here
    assert client.get(f"/achievements/{first.id}").json()["name"] == "Data Analysis with Python"
    assert client.get(f"/achievements/{second.id}").json()["name"] == (
        "Data Analysis with Python (2027)"
    )
