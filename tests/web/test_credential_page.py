"""The public credential page and PDF: HTML for browsers, JSON for clients, live status."""

from __future__ import annotations

import io
import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from credstack.services.context import ServiceContext
from credstack.services.learners.sharing import credential_facts, linkedin_add_url
from credstack.services.revocation.revoke import revoke
from credstack.settings import Settings
from credstack.store.models import Award, Organization
from issued_awards import issue, new_achievement, new_verified_issuer

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
START = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def ctx(settings: Settings) -> ServiceContext:
    ticks = itertools.count()
    return replace(
        ServiceContext.from_settings(settings), clock=lambda: START + timedelta(seconds=next(ticks))
    )


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture
def org(db: Session, ctx: ServiceContext) -> Organization:
    return new_verified_issuer(db, ctx)


@pytest.fixture
def award(db: Session, ctx: ServiceContext, org: Organization) -> Award:
    award = issue(db, ctx, org, new_achievement(db, org), name="Ada Lovelace")
    db.commit()
    return award


def test_browsers_get_the_page_with_facts_qr_og_and_linkedin(
    client: TestClient, ctx: ServiceContext, org: Organization, award: Award
) -> None:
    response = client.get(f"/credentials/{award.id}", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<title>Data literacy \u2013 Ada Lovelace · Credstack</title>" in page
    assert "Issuer acme" in page and "Ada Lovelace" in page
    assert "<strong>Verified.</strong>" in page
    assert '<meta property="og:title" content="Data literacy \u2013 Ada Lovelace">' in page
    assert f'<meta property="og:url" content="{ctx.url("/credentials/" + award.id)}">' in page
    assert "<svg" in page  # the QR code, inline
    expected = linkedin_add_url(credential_facts(ctx, award, org))
    assert f'href="{expected}"' in unescape(page)
    assert f"/credentials/{award.id}.pdf" in page


def test_json_clients_still_get_the_signed_credential(client: TestClient, award: Award) -> None:
    for accept in ("*/*", "application/json", "application/ld+json, text/html"):
        response = client.get(f"/credentials/{award.id}", headers={"Accept": accept})
        assert response.status_code == 200, accept
        assert response.content == award.credential.encode()
    assert (
        client.get(f"/credentials/{award.id}.json", headers=BROWSER).json()["id"].endswith(award.id)
    )


def test_revoked_page_says_revoked(
    client: TestClient, db: Session, ctx: ServiceContext, award: Award
) -> None:
    revoke(db, ctx, award.id, "issued in error")
    db.commit()
    page = client.get(f"/credentials/{award.id}", headers=BROWSER).text
    assert "<strong>Revoked.</strong>" in page and "issued in error" in page
    assert "Add to LinkedIn profile" not in page


def test_private_credential_is_a_404_page_for_others(
    client: TestClient, db: Session, award: Award
) -> None:
    award.public = False
    db.commit()
    response = client.get(f"/credentials/{award.id}", headers=BROWSER)
    assert response.status_code == 404
    assert "Credential not found" in response.text
    assert client.get(f"/credentials/{award.id}.pdf").status_code == 404
    assert client.get("/credentials/no-such-award", headers=BROWSER).status_code == 404


def test_pdf_certificate_parses_and_names_the_learner(client: TestClient, award: Award) -> None:
    response = client.get(f"/credentials/{award.id}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Ada Lovelace" in text and "Data literacy" in text


def test_hostile_names_are_escaped(
    client: TestClient, db: Session, ctx: ServiceContext, org: Organization
) -> None:
    hostile = '<script>alert("x")</script>'
    award = issue(db, ctx, org, new_achievement(db, org), name=hostile)
    db.commit()
    page = client.get(f"/credentials/{award.id}", headers=BROWSER).text
    assert hostile not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert json.loads(award.credential)["credentialSubject"]  # the credential itself is intact
