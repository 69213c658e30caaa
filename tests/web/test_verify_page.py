"""The verifier page: good, tampered and unreadable inputs, uploads, URLs, CSRF, limits."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session
from web_client import csrf_from

from credstack.services.audit import list_events
from credstack.services.context import ServiceContext
from credstack.services.learners.renderings import baked_png, baked_svg, credential_jwt
from credstack.settings import Settings
from credstack.store.models import Award, Organization
from issued_awards import issue, new_achievement, new_verified_issuer

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
    award = issue(db, ctx, org, new_achievement(db, org), email="ada@example.org")
    db.commit()
    return award


def submit(
    client: TestClient, files: dict[str, tuple[str, bytes, str]] | None = None, **data: str
) -> Response:
    token = csrf_from(client.get("/verify"))
    return client.post("/verify", data={**data, "csrf_token": token}, files=files or {})


def test_form_is_labelled_and_csrf_protected(client: TestClient) -> None:
    page = client.get("/verify")
    assert page.status_code == 200
    for control in ("file", "text", "url", "recipient"):
        assert f'<label for="{control}">' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    refused = client.post("/verify", data={"text": "{}"})
    assert refused.status_code == 403


def test_pasted_good_credential_is_verified_and_counted(
    client: TestClient, db: Session, award: Award
) -> None:
    response = submit(client, text=award.credential, recipient="ada@example.org")
    assert response.status_code == 200
    assert '<h2 id="result-heading" tabindex="-1">Verified</h2>' in response.text
    assert "Data literacy" in response.text and "Issuer acme" in response.text
    assert '<th scope="row">recipient</th><td>pass</td>' in response.text
    events = list_events(db, kind_prefix="credential.verified", subject_id=award.id)
    assert [e.data["verified"] for e in events] == [True]


def test_tampered_credential_names_the_failing_check(client: TestClient, award: Award) -> None:
    credential = json.loads(award.credential)
    credential["credentialSubject"]["achievement"]["name"] = "Brain surgery"
    response = submit(client, text=json.dumps(credential))
    assert "Not verified</h2>" in response.text
    assert "Failed check: <strong>proof</strong>" in response.text


def test_unreadable_input_says_so(client: TestClient) -> None:
    response = submit(client, text="this is not a credential")
    assert response.status_code == 200
    assert "Not verified</h2>" in response.text
    assert '<th scope="row">parse</th><td>fail</td>' in response.text


def test_uploaded_baked_png_is_verified(client: TestClient, db: Session, award: Award) -> None:
    png = baked_png(db, award)
    response = submit(client, files={"file": ("badge.png", png, "image/png")})
    assert "Verified</h2>" in response.text and "Not verified" not in response.text


def test_our_own_credential_url_is_read_without_fetching(client: TestClient, award: Award) -> None:
    response = submit(client, url=f"http://127.0.0.1:8000/credentials/{award.id}.json")
    assert "Verified</h2>" in response.text and "Not verified" not in response.text


def test_a_url_the_fetch_rules_refuse_is_reported_not_crashed(client: TestClient) -> None:
    response = submit(client, url="http://10.0.0.1/credential.json")
    assert response.status_code == 200
    assert '<th scope="row">parse</th><td>fail</td>' in response.text


def test_nothing_given_and_too_large(client: TestClient) -> None:
    assert submit(client).status_code == 422
    big = b"{" + b" " * (8 * 1024 * 1024) + b"}"
    response = submit(client, files={"file": ("big.json", big, "application/json")})
    assert response.status_code == 413
    assert "larger than 8 MB" in response.text


def test_hostile_text_is_escaped(client: TestClient) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    response = submit(client, text=hostile, recipient="x@example.org")
    assert hostile not in response.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.text


def test_verifying_is_rate_limited(client: TestClient) -> None:
    token = csrf_from(client.get("/verify"))
    statuses = [client.post("/verify", data={"csrf_token": token}).status_code for _ in range(31)]
    assert statuses[:30] == [422] * 30
    assert statuses[30] == 429


def test_uploaded_baked_svg_and_pasted_jwt_are_verified(
    client: TestClient, db: Session, ctx: ServiceContext, award: Award
) -> None:
    svg = baked_svg(db, award)
    response = submit(client, files={"file": ("badge.svg", svg, "image/svg+xml")})
    assert "Verified</h2>" in response.text and "Not verified" not in response.text
    jwt = credential_jwt(db, ctx, award)
    db.commit()
    response = submit(client, text=jwt)
    assert "Verified</h2>" in response.text and "Not verified" not in response.text


def test_claimed_facts_of_a_failed_credential_are_marked_and_never_made_links(
    client: TestClient, award: Award
) -> None:
    credential = json.loads(award.credential)
    credential["id"] = "javascript:alert(document.cookie)"
    response = submit(client, text=json.dumps(credential))
    assert "Not verified</h2>" in response.text
    assert "They could not be confirmed" in response.text
    assert 'href="javascript:' not in response.text
    assert "javascript:alert(document.cookie)" in response.text  # shown, as text


def test_verified_credential_links_its_https_id(client: TestClient, award: Award) -> None:
    response = submit(client, text=award.credential)
    credential_id = json.loads(award.credential)["id"]
    assert f'<a href="{credential_id}"' in response.text
    assert "They could not be confirmed" not in response.text
