"""Sessions, CSRF and rate limits as a browser or a script meets them."""

from __future__ import annotations

import time

from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from v1_world import build_world, session_client

from credstack.app import create_app
from credstack.settings import Settings
from credstack.web.sessions import (
    SESSION_COOKIE,
    CurrentUser,
    WebDb,
    csrf_token,
    decode_cookie,
    encode_cookie,
    session_key,
)


def _form_routes(app: FastAPI) -> None:
    """A page with a form and its POST handler, as the web pages are built."""
    router = APIRouter()

    @router.get("/probe/form")
    def form(request: Request) -> dict[str, str]:
        return {"csrf": csrf_token(request)}

    @router.post("/probe/form")
    def submit(user: CurrentUser, db: WebDb) -> dict[str, str]:
        return {"user": user.email}

    app.include_router(router)


def test_a_form_post_without_the_csrf_token_is_refused(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    world = build_world(db, settings)
    _form_routes(app)
    with session_client(app, settings, world.users["viewer"]) as client:
        del client.headers["X-CSRF-Token"]
        token = client.get("/probe/form").json()["csrf"]
        refused = client.post("/probe/form", data={"name": "x"})
        assert refused.status_code == 403
        assert refused.json()["type"] == "urn:credstack:problem:csrf"
        assert "reload the page" in refused.json()["detail"]
        accepted = client.post("/probe/form", data={"csrf_token": token})
        assert accepted.status_code == 200
        assert accepted.json() == {"user": "viewer@example.org"}
        wrong = client.post("/probe/form", files={"f": ("a", b"x")}, data={"csrf_token": "nope"})
        assert wrong.status_code == 403


def test_a_cross_site_form_without_any_cookie_is_refused(app: FastAPI) -> None:
    """Login CSRF: a form from another site arrives without our (SameSite) cookie."""
    _form_routes(app)
    with TestClient(app) as client:
        assert client.post("/probe/form", data={"email": "a@b.c"}).status_code == 403


def test_an_api_call_with_the_session_cookie_needs_the_csrf_header(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    world = build_world(db, settings)
    body = {"achievement_id": world.home.achievement, "email": "z@example.org", "name": "Z"}
    with session_client(app, settings, world.users["owner"]) as client:
        del client.headers["X-CSRF-Token"]
        assert client.post("/api/v1/awards", json=body).status_code == 403
        assert client.get(f"/api/v1/awards/{world.home.award}").status_code == 200
        assert (
            client.post("/api/v1/awards", json=body, headers={"X-CSRF-Token": "test-csrf-token"})
        ).status_code == 201


def test_the_session_cookie_is_httponly_lax_and_secure_under_https(settings: Settings) -> None:
    secure = Settings(
        home=settings.home, database_url=settings.database_url,
        base_url="https://credentials.example.org",
        secret_key=SecretStr("test-master-secret-not-for-production"),
    )  # fmt: skip
    for app_settings, want_secure in ((settings, False), (secure, True)):
        app = create_app(app_settings)
        _form_routes(app)
        with TestClient(app, base_url=app_settings.base_url) as client:
            response = client.get("/probe/form")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(SESSION_COOKIE + "=")
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=604800" in cookie
        assert ("Secure" in cookie) is want_secure


def test_a_forged_or_expired_cookie_is_no_session(settings: Settings) -> None:
    key = session_key(settings.master_secret())
    now = time.time()
    good = encode_cookie(key, {"uid": "u", "exp": int(now) + 60})
    assert decode_cookie(key, good, now) == {"uid": "u", "exp": int(now) + 60}
    assert decode_cookie(key, good, now + 61) is None
    assert decode_cookie(session_key(b"another secret"), good, now) is None
    payload, _, signature = good.partition(".")
    assert decode_cookie(key, payload[:-2] + "xx." + signature, now) is None


def test_verify_is_rate_limited_with_retry_after(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    limited_settings = settings.model_copy(update={"rate_limits": "verify=2/minute"})
    app = create_app(limited_settings, engine=engine, sessions=sessions)
    with TestClient(app) as client:
        codes = [client.post("/api/v1/verify", content=b"{}").status_code for _ in range(3)]
        limited = client.post("/api/v1/verify", content=b"{}")
    assert codes[:2] == [200, 200] and codes[2] == 429
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["content-type"] == "application/problem+json"
