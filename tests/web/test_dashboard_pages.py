"""Organisation form and dashboard: create with every field, errors by field, counts,
another organisation's pages are 404, names are escaped.

TestClient on the rolled-back test database (SQLite, and PostgreSQL when configured).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_client import create_organization, post_form, sign_up

from credstack.services.audit import record
from credstack.services.context import ServiceContext
from credstack.services.issuing.statistics import VERIFIED_EVENT
from credstack.settings import Settings
from credstack.store.models import AwardState, Organization
from issued_awards import issue, new_achievement, ticking_clock

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4"
    "890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


def test_dashboard_needs_sign_in(client: TestClient) -> None:
    for path in ("/dashboard", "/organizations/new", "/dashboard/some-id"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/sign-in?next={path}"


def test_new_account_is_asked_to_create_an_organisation(client: TestClient) -> None:
    sign_up(client, "new@example.org")
    page = client.get("/dashboard")
    assert "not a member of any organisation yet" in page.text
    assert 'href="/organizations/new"' in page.text


def test_organisation_with_every_field_and_a_logo(client: TestClient, db: Session) -> None:
    sign_up(client, "owner@example.org")
    form = client.get("/organizations/new")
    for control in (
        "name", "type", "url", "country", "region", "email", "description",
        "image", "linkedin_organization_id", "slug",
    ):  # fmt: skip
        assert f'<label for="{control}">' in form.text, control
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    response = client.post(
        "/organizations/new",
        data={
            "csrf_token": token.group(1),
            "name": "Hanze Skills Lab",
            "type": "training_provider",
            "url": "https://skills.example",
            "country": "nl",
            "region": "Groningen",
            "email": "badges@skills.example",
            "description": "Short courses for working professionals.",
            "linkedin_organization_id": "1234567",
            "slug": "hanze-lab",
        },
        files={"image": ("logo.png", PNG_1X1, "image/png")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    organization_id = response.headers["location"].removeprefix("/dashboard/")
    stored = db.scalars(select(Organization).where(Organization.id == organization_id)).one()
    assert (stored.slug, stored.country, stored.region) == ("hanze-lab", "NL", "Groningen")
    assert stored.linkedin_organization_id == "1234567"
    assert stored.image == PNG_1X1 and stored.image_mime == "image/png"

    page = client.get(f"/dashboard/{organization_id}")
    assert page.status_code == 200
    assert "<h1>Hanze Skills Lab</h1>" in page.text
    assert "is ready: create its first micro-credential" in page.text
    assert "owner" in page.text
    assert "No micro-credentials yet." in page.text


def test_organisation_errors_are_shown_next_to_fields(client: TestClient) -> None:
    sign_up(client, "typo@example.org")
    response = post_form(
        client,
        "/organizations/new",
        {"name": "Typo Ltd", "type": "company", "url": "not a url", "country": "UK"},
    )
    assert response.status_code == 422
    assert re.search(r'id="country-error">[^<]*did you mean GB\?', response.text)
    assert 'id="url-error"' in response.text
    assert 'value="Typo Ltd"' in response.text


def test_another_organisations_dashboard_is_404(client: TestClient, app: FastAPI) -> None:
    sign_up(client, "alice@example.org")
    alice_org = create_organization(client, "Alice Academy")
    mallory = TestClient(app)
    sign_up(mallory, "mallory@example.org")
    create_organization(mallory, "Mallory Inc")

    response = mallory.get(f"/dashboard/{alice_org}")
    assert response.status_code == 404
    assert "Alice Academy" not in response.text
    assert mallory.get("/dashboard/does-not-exist").status_code == 404
    assert "Alice Academy" not in mallory.get("/dashboard").text


def test_names_are_escaped(client: TestClient) -> None:
    sign_up(client, "xss@example.org", name="<b>Bold</b>")
    organization_id = create_organization(client, "<script>alert(1)</script> Academy")

    page = client.get(f"/dashboard/{organization_id}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Academy" in page
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page


def test_counts_issued_claimed_shared_verified(
    client: TestClient, db: Session, settings: Settings
) -> None:
    sign_up(client, "counts@example.org")
    organization_id = create_organization(client, "Counting College")
    organization = db.get(Organization, organization_id)
    assert organization is not None
    # the app's master secret: the organisation's key was sealed with it
    ctx = replace(ServiceContext.from_settings(settings), clock=ticking_clock())
    achievement = new_achievement(db, organization)
    awards = [
        issue(db, ctx, organization, achievement, email=f"l{i}@example.org") for i in range(4)
    ]
    awards[0].claimed_at = awards[1].claimed_at = ctx.now()
    awards[2].public = False
    awards[3].state = AwardState.REVOKED
    checks = [(awards[0], True), (awards[0], True), (awards[1], True), (awards[1], False)]
    for award, verified in checks:
        record(
            db,
            ctx,
            VERIFIED_EVENT,
            subject_type="award",
            subject_id=award.id,
            organization_id=organization_id,
            data={"verified": verified, "via": "web", "format": "json"},
        )
    db.flush()

    page = client.get(f"/dashboard/{organization_id}").text
    row = re.search(r"<th scope=\"row\"><a [^>]*>Data literacy</a>.*?</tr>", page, re.S)
    assert row, page
    numbers = re.findall(r'<td class="number">(\d+)</td>', row.group(0))
    # issued 4; claimed 2; shared: public and not revoked -> awards 0 and 1;
    # verified: 3 passing checks (the failed one is not counted)
    assert numbers == ["4", "2", "2", "3"]
