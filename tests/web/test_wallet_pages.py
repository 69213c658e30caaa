"""Learner pages: claim (valid, expired + resend), wallet actions, downloads, export, deletion."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_client import PASSWORD, csrf_from, emailed_link, post_form, sign_up

from credstack.core.baking import extract_png
from credstack.services.context import ServiceContext
from credstack.services.learners.claims import queue_claim_email
from credstack.services.revocation.revoke import revoke
from credstack.settings import Settings
from credstack.store.models import Award, AwardState, Organization, OutboxEmail, User
from issued_awards import issue, new_achievement, new_verified_issuer

BROWSER = {"Accept": "text/html"}


@pytest.fixture
def ctx(settings: Settings) -> ServiceContext:
    """The app's own context with the real clock (claim links expire against it)."""
    return ServiceContext.from_settings(settings)


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


def claim_link(db: Session, ctx: ServiceContext, award: Award) -> str:
    link = queue_claim_email(db, ctx, award)
    db.commit()
    return f"/claim/{link.token}"


def expired_claim(db: Session, ctx: ServiceContext, award: Award) -> tuple[str, datetime]:
    """A claim link (e-mailed) whose expiry has passed; returns its token and expiry."""
    link = queue_claim_email(db, ctx, award)
    award.claim_expires_at = ctx.now() - timedelta(minutes=1)
    db.commit()
    return link.token, award.claim_expires_at


def claim_with_new_account(client: TestClient, path: str) -> None:
    response = post_form(
        client,
        f"{path}/sign-up",
        {"name": "Ada Lovelace", "email": "ada@example.org", "password": PASSWORD},
        form_page=path,
    )
    assert response.status_code == 303, response.text
    response = post_form(client, path, {"action": "accept"})
    assert response.status_code == 303 and response.headers["location"] == "/wallet"


def test_claim_sign_up_and_accept_puts_it_in_the_wallet(
    client: TestClient, db: Session, ctx: ServiceContext, award: Award
) -> None:
    path = claim_link(db, ctx, award)
    page = client.get(path)
    assert page.status_code == 200
    assert "<h1>Claim your credential</h1>" in page.text and "Data literacy" in page.text
    claim_with_new_account(client, path)
    wallet_page = client.get("/wallet").text
    assert "Data literacy" in wallet_page and "Issuer acme" in wallet_page
    assert "accepted" in wallet_page
    db.expire_all()
    assert db.get(Award, award.id).state is AwardState.ACCEPTED  # type: ignore[union-attr]
    assert client.get(path).status_code == 404  # the link is used up


def test_expired_claim_link_says_so_and_sends_a_new_one(
    client: TestClient, db: Session, ctx: ServiceContext, award: Award
) -> None:
    token, expires_at = expired_claim(db, ctx, award)
    page = client.get(f"/claim/{token}")
    assert page.status_code == 410
    assert f"This link expired on {expires_at:%d %B %Y at %H:%M} UTC." in page.text
    before = len(db.scalars(select(OutboxEmail)).all())
    response = client.post(f"/claim/{token}/resend", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 200
    assert "We sent a new claim link to a***@example.org" in response.text
    assert len(db.scalars(select(OutboxEmail)).all()) == before + 1
    assert client.get(f"/claim/{token}").status_code == 404  # replaced by the new one


def test_resend_is_rate_limited(
    client: TestClient, db: Session, ctx: ServiceContext, award: Award
) -> None:
    statuses = []
    for _ in range(4):
        token, _ = expired_claim(db, ctx, award)
        page = client.get(f"/claim/{token}")
        resent = client.post(f"/claim/{token}/resend", data={"csrf_token": csrf_from(page)})
        statuses.append(resent.status_code)
    assert statuses == [200, 200, 200, 429]


def test_wallet_needs_sign_in(client: TestClient) -> None:
    response = client.get("/wallet", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/wallet"


def test_decline_and_public_toggle(
    client: TestClient, db: Session, ctx: ServiceContext, award: Award
) -> None:
    claim_with_new_account(client, claim_link(db, ctx, award))
    off = post_form(client, f"/wallet/{award.id}/public", {"public": "off"}, form_page="/wallet")
    assert off.status_code == 303
    db.expire_all()
    assert db.get(Award, award.id).public is False  # type: ignore[union-attr]
    stranger = TestClient(client.app)
    assert stranger.get(f"/credentials/{award.id}", headers=BROWSER).status_code == 404
    assert client.get(f"/credentials/{award.id}", headers=BROWSER).status_code == 200  # owner
    post_form(client, f"/wallet/{award.id}/public", {"public": "on"}, form_page="/wallet")
    assert stranger.get(f"/credentials/{award.id}", headers=BROWSER).status_code == 200
    post_form(client, f"/wallet/{award.id}/decline", {}, form_page="/wallet")
    db.expire_all()
    declined = db.get(Award, award.id)
    assert declined is not None and declined.state is AwardState.DECLINED and not declined.public


def test_another_account_cannot_act_on_my_award(
    client: TestClient, db: Session, ctx: ServiceContext, award: Award
) -> None:
    claim_with_new_account(client, claim_link(db, ctx, award))
    eve = TestClient(client.app)
    sign_up(eve, "eve@example.org", name="Eve")
    response = post_form(eve, f"/wallet/{award.id}/public", {"public": "off"}, form_page="/wallet")
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Award, award.id).public is True  # type: ignore[union-attr]
    assert "Data literacy" not in eve.get("/wallet").text


def test_downloads_pdf_and_baked_png(
    client: TestClient, db: Session, ctx: ServiceContext, award: Award
) -> None:
    claim_with_new_account(client, claim_link(db, ctx, award))
    page = client.get("/wallet").text
    for suffix in ("json", "png", "svg", "jwt", "pdf"):
        assert f'href="/credentials/{award.id}.{suffix}"' in page
    pdf = client.get(f"/credentials/{award.id}.pdf")
    assert pdf.content.startswith(b"%PDF")
    png = client.get(f"/credentials/{award.id}.png").content
    baked = extract_png(png)
    assert baked == json.loads(award.credential)
    token = csrf_from(client.get("/verify"))
    verified = client.post(
        "/verify", data={"csrf_token": token}, files={"file": ("badge.png", png, "image/png")}
    )
    assert "Verified</h2>" in verified.text and "Not verified" not in verified.text


def test_revoked_award_shows_revoked_in_the_wallet(
    client: TestClient, db: Session, ctx: ServiceContext, award: Award
) -> None:
    claim_with_new_account(client, claim_link(db, ctx, award))
    revoke(db, ctx, award.id, "issued in error")
    db.commit()
    page = client.get("/wallet").text
    assert "state-revoked" in page and "issued in error" in page
    assert "Add to LinkedIn profile" not in page


def test_export_and_delete_account(
    client: TestClient, db: Session, ctx: ServiceContext, award: Award
) -> None:
    claim_with_new_account(client, claim_link(db, ctx, award))
    export = client.get("/wallet/export")
    assert export.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(export.content))
    assert f"credentials/{award.id}.json" in archive.namelist()
    refused = post_form(client, "/wallet/delete", {"confirm_email": "wrong@example.org"})
    assert refused.status_code == 422
    deleted = post_form(client, "/wallet/delete", {"confirm_email": "ada@example.org"})
    assert deleted.status_code == 303
    db.expire_all()
    kept = db.get(Award, award.id)
    assert kept is not None and kept.learner_id is None and not kept.public
    assert db.scalars(select(User).where(User.email == "ada@example.org")).first() is None
    assert client.get("/wallet", follow_redirects=False).status_code == 303  # signed out


def test_hostile_names_are_escaped_on_claim_and_wallet(
    client: TestClient, db: Session, ctx: ServiceContext, org: Organization
) -> None:
    hostile = "<script>alert(1)</script>"
    award = issue(db, ctx, org, new_achievement(db, org), email="ada@example.org", name=hostile)
    db.commit()
    path = claim_link(db, ctx, award)
    page = client.get(path).text
    assert hostile not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    claim_with_new_account(client, path)
    assert "<script>alert" not in client.get("/wallet").text


def test_claiming_with_another_address_confirms_it_by_email_first(
    client: TestClient, db: Session, ctx: ServiceContext, award: Award
) -> None:
    """Only the awarded address is trusted at once (the claim link went to it)."""
    path = claim_link(db, ctx, award)
    form = {"name": "Ada Lovelace", "email": "ada@home.example", "password": PASSWORD}
    response = post_form(client, f"{path}/sign-up", form, form_page=path)
    assert response.status_code == 200 and "Check your e-mail" in response.text
    assert client.get("/wallet", follow_redirects=False).status_code == 303  # not signed in
    link = emailed_link(client, "ada@home.example", "/sign-up/confirm/")
    confirmed = post_form(client, link, {"password": PASSWORD})
    assert confirmed.status_code == 303 and confirmed.headers["location"] == path
    accepted = post_form(client, path, {"action": "accept"})
    assert accepted.headers["location"] == "/wallet"
    assert "Data literacy" in client.get("/wallet").text


def test_claim_sign_ups_that_send_mail_are_limited_per_address(
    app: FastAPI, db: Session, ctx: ServiceContext, award: Award
) -> None:
    path = claim_link(db, ctx, award)
    form = {"name": "Ada Lovelace", "email": "someone@home.example", "password": PASSWORD}
    codes = [
        post_form(TestClient(app), f"{path}/sign-up", form, form_page=path).status_code
        for _ in range(6)
    ]
    assert codes == [200] * 5 + [429]
    refused = post_form(TestClient(app), f"{path}/sign-up", form, form_page=path)
    assert 1 <= int(refused.headers["retry-after"]) <= 3600
    assert "too many attempts" in refused.text
