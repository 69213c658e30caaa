"""API tokens over HTTP: shown once, scopes enforced, people-only management, revocation."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session
from v1_world import bearer_client, build_world, session_client

from credstack.settings import Settings
from credstack.store.models import User


def _token(app: FastAPI, settings: Settings, user: User, org_id: str, scopes: list[str]) -> str:
    with session_client(app, settings, user) as client:
        response = client.post(
            f"/api/v1/organizations/{org_id}/tokens", json={"name": "lms", "scopes": scopes}
        )
    assert response.status_code == 201, response.text
    secret: str = response.json()["token"]
    return secret


def test_the_token_text_is_shown_once_and_never_listed(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    world = build_world(db, settings)
    secret = _token(app, settings, world.users["owner"], world.home.id, ["read"])
    assert secret.startswith("cst_")
    with session_client(app, settings, world.users["owner"]) as client:
        listed = client.get(f"/api/v1/organizations/{world.home.id}/tokens")
    assert listed.status_code == 200
    assert secret not in listed.text
    assert all("token" not in item for item in listed.json()["items"])


def test_scopes_limit_what_a_token_may_do(app: FastAPI, db: Session, settings: Settings) -> None:
    world = build_world(db, settings)
    award_body = {"achievement_id": world.home.achievement, "email": "x@example.org", "name": "X"}
    reader = _token(app, settings, world.users["owner"], world.home.id, ["read"])
    awarder = _token(app, settings, world.users["owner"], world.home.id, ["award"])
    admin = _token(app, settings, world.users["owner"], world.home.id, ["admin"])
    with bearer_client(app, reader) as client:
        assert client.get(f"/api/v1/awards/{world.home.award}").status_code == 200
        refused = client.post("/api/v1/awards", json=award_body)
        assert refused.status_code == 403
        assert "scope 'award' or 'admin'" in refused.json()["detail"]
        assert client.get(f"/api/v1/awards/{world.other.award}").status_code == 404
        assert client.get("/api/v1/organizations").json()["items"][0]["id"] == world.home.id
    with bearer_client(app, awarder) as client:
        assert client.post("/api/v1/awards", json=award_body).status_code == 201
        assert client.post(f"/api/v1/achievements/{world.home.draft}/publish").status_code == 403
    with bearer_client(app, admin) as client:
        assert client.post(f"/api/v1/achievements/{world.home.draft}/publish").status_code == 200
        tokens_route = f"/api/v1/organizations/{world.home.id}/tokens"
        assert client.post(tokens_route, json={"name": "x", "scopes": ["read"]}).status_code == 403
        new_org = {"name": "X", "type": "company", "url": "https://x.example", "country": "NL"}
        assert client.post("/api/v1/organizations", json=new_org).status_code == 403


def test_a_revoked_or_made_up_token_gets_401(app: FastAPI, db: Session, settings: Settings) -> None:
    world = build_world(db, settings)
    secret = _token(app, settings, world.users["owner"], world.home.id, ["read"])
    with session_client(app, settings, world.users["owner"]) as client:
        listed = client.get(f"/api/v1/organizations/{world.home.id}/tokens").json()["items"]
        newest = next(item for item in listed if item["name"] == "lms")
        assert (
            client.delete(
                f"/api/v1/organizations/{world.home.id}/tokens/{newest['id']}"
            ).status_code
            == 200
        )
    for presented in (secret, "cst_made-up", "not-even-a-token"):
        with bearer_client(app, presented) as client:
            response = client.get(f"/api/v1/organizations/{world.home.id}")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"


def test_a_token_acts_no_higher_than_its_makers_current_role(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    world = build_world(db, settings)
    secret = _token(app, settings, world.users["admin"], world.home.id, ["award"])
    with session_client(app, settings, world.users["owner"]) as client:
        demoted = client.post(
            f"/api/v1/organizations/{world.home.id}/members",
            json={"email": world.users["admin"].email, "role": "viewer"},
        )
        assert demoted.status_code == 200
    with bearer_client(app, secret) as client:
        response = client.post(
            "/api/v1/awards",
            json={"achievement_id": world.home.achievement, "email": "y@example.org", "name": "Y"},
        )
    assert response.status_code == 403
