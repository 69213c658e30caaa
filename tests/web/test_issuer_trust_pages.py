"""Finding 3 of the hardening issue: signing up as someone does not make you them.

A fresh sign-up copies the name, website and e-mail of a verified association. Its
credential still has a valid signature, so it verifies, but the trust check, the
``/verify`` page and the public credential page say who signed it (a DID that calls
itself that name, unconfirmed), never show the green "Verified" heading with the
claimed name, and the operator sees the lookalike flag. The issuer's own dashboard
offers the domain check that can verify it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from web_client import create_organization, csrf_from, post_form, sign_up

from credstack.app import create_app
from credstack.services.context import ServiceContext
from credstack.services.issuers.trust import trust_of
from credstack.settings import Settings
from credstack.store.models import Award, Organization
from issued_awards import issue, new_achievement, new_verified_issuer
from loopback_site import LoopbackSite, loopback_site

BROWSER = {"Accept": "text/html,application/xhtml+xml"}
NAME = "Open Data Association"
WEBSITE = "https://open-data-association.example"
EMAIL = "office@open-data-association.example"


@pytest.fixture
def ctx(settings: Settings) -> ServiceContext:
    return ServiceContext.from_settings(settings)


@pytest.fixture
def genuine(db: Session, ctx: ServiceContext) -> Organization:
    organization = new_verified_issuer(db, ctx, "oda")
    organization.name, organization.url, organization.email = NAME, WEBSITE, EMAIL
    db.commit()
    return organization


def impostor_award(client: TestClient, db: Session, ctx: ServiceContext) -> Award:
    """Sign up, create the copycat organisation through the form, and award a credential."""
    sign_up(client, "mallory@mail.example", "Mallory")
    org_id = create_organization(client, NAME, url=WEBSITE, email=EMAIL, slug="oda-official")
    organization = db.get(Organization, org_id)
    assert organization is not None
    award = issue(db, ctx, organization, new_achievement(db, organization))
    db.commit()
    return award


def verify_page(client: TestClient, credential: str) -> str:
    token = csrf_from(client.get("/verify"))
    response = client.post("/verify", data={"text": credential, "csrf_token": token})
    assert response.status_code == 200
    return response.text


def test_a_copycat_sign_up_is_flagged_and_its_credential_is_not_shown_as_verified(
    app: FastAPI, db: Session, ctx: ServiceContext, genuine: Organization
) -> None:
    client = TestClient(app)
    award = impostor_award(client, db, ctx)
    impostor = db.get(Organization, award.organization_id)
    assert impostor is not None and impostor.did is not None
    trust = trust_of(impostor, ctx.now())
    assert not trust.verified
    assert trust.flagged_reason == (
        f"its name {NAME!r} resembles verified issuer oda's name {NAME!r}"
    )

    page = verify_page(TestClient(app), award.credential)
    assert "Verified</h2>" not in page
    assert "Signature valid, issuer not confirmed</h2>" in page
    assert 'class="verification is-unconfirmed"' in page
    assert f"<dt>Issuer</dt><dd>{NAME}" not in page
    assert f"which calls itself {NAME} (not confirmed)" in page
    assert (
        f"<td>signed by {impostor.did} which calls itself {NAME}; nobody here has confirmed "
        "who that is</td>"
    ) in page

    public = TestClient(app).get(f"/credentials/{award.id}", headers=BROWSER).text
    assert "<strong>Verified.</strong>" not in public
    assert f"{NAME} certifies that" not in public
    assert "is-unconfirmed" in public and "issuer not confirmed" in public
    assert f"an issuer calling itself {NAME} (not confirmed)" in public

    answer = TestClient(app).post(
        "/api/v1/verify", content=award.credential, headers={"Content-Type": "application/json"}
    )
    checks = {c["id"]: c for c in answer.json()["checks"]}
    assert answer.json()["verified"] is True  # trust warns, it never fails (design §7)
    assert checks["issuer-trust"]["status"] == "warn"
    assert "registered" not in checks["issuer-trust"]["message"]


def test_the_genuine_issuers_credential_is_verified_under_its_name(
    app: FastAPI, db: Session, ctx: ServiceContext, genuine: Organization
) -> None:
    award = issue(db, ctx, genuine, new_achievement(db, genuine))
    db.commit()
    page = verify_page(TestClient(app), award.credential)
    assert '<h2 id="result-heading" tabindex="-1">Verified</h2>' in page
    assert f"<dt>Issuer</dt><dd>{NAME} <span" in page
    assert "verified issuer: verified by this Credstack&#39;s operator" in page
    public = TestClient(app).get(f"/credentials/{award.id}", headers=BROWSER).text
    assert f"{NAME} certifies that" in public and "<strong>Verified.</strong>" in public


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    with loopback_site() as running:
        yield running


def test_the_dashboard_checks_the_domain_the_issuer_publishes(
    settings: Settings,
    engine: Engine,
    sessions: sessionmaker[Session],
    db: Session,
    site: LoopbackSite,
) -> None:
    loopback = settings.model_copy(update={"allow_http_loopback": True})
    client = TestClient(create_app(loopback, engine=engine, sessions=sessions))
    sign_up(client, "owner@guild.example", "Owner")
    org_id = create_organization(client, "Open Data Guild", url=site.origin, slug="guild")
    dashboard = client.get(f"/dashboard/{org_id}").text
    assert "unverified" in dashboard and "Check my website" in dashboard
    linkage = client.get(f"/dashboard/{org_id}/did-configuration.json")
    assert linkage.status_code == 200
    assert json.loads(linkage.content)["linked_dids"]
    site.files["/.well-known/did-configuration.json"] = linkage.content
    page = f"/dashboard/{org_id}"
    response = post_form(client, f"{page}/domain-check", {}, form_page=page)
    assert response.status_code == 303
    after = client.get(f"/dashboard/{org_id}").text
    assert "is linked to did:key:" in after and "Open Data Guild is verified." in after
    assert f"proved control of {site.origin} (DIF domain linkage)" in after
    assert "Check my website" not in after
    organization = db.get(Organization, org_id)
    assert organization is not None and organization.domain_origin == site.origin


def test_only_admins_see_the_linkage_file_and_outsiders_get_404(
    app: FastAPI, db: Session, ctx: ServiceContext
) -> None:
    owner = TestClient(app)
    sign_up(owner, "owner@guild.example", "Owner")
    org_id = create_organization(owner, "Open Data Guild", slug="guild")
    outsider = TestClient(app)
    sign_up(outsider, "eve@mail.example", "Eve")
    assert outsider.get(f"/dashboard/{org_id}/did-configuration.json").status_code == 404
    refused = post_form(outsider, f"/dashboard/{org_id}/domain-check", {}, form_page="/dashboard")
    assert refused.status_code == 404
