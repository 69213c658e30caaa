"""Every response carries the security headers; /api/docs is served from vendored files.

Clickjacking (the revoke and wallet buttons inside another site's frame), MIME sniffing and
a CDN script in the app's origin were findings of the hardening probe (issue 9, no. 9).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import SecretStr

from credstack.api.docs import ASSETS_DIR
from credstack.app import create_app
from credstack.settings import Settings
from credstack.web.security_headers import CONTENT_SECURITY_POLICY

REPO_ROOT = Path(__file__).resolve().parents[2]


def assert_secured(response: Response) -> None:
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/verify", 200),
        ("GET", "/sign-in", 200),
        ("GET", "/healthz", 200),
        ("GET", "/api/openapi.json", 200),
        ("GET", "/api/docs", 200),
        ("GET", "/static/credstack.css", 200),
        ("GET", "/no-such-page", 404),
        ("GET", "/api/v1/organizations", 401),
        ("GET", "/dashboard", 303),
        ("POST", "/sign-out", 403),  # a form without CSRF token
        ("DELETE", "/api/docs", 405),
    ],
)
def test_pages_api_static_redirects_and_errors_carry_the_headers(
    app: FastAPI, method: str, path: str, status: int
) -> None:
    with TestClient(app) as client:
        response = client.request(
            method,
            path,
            follow_redirects=False,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == status
    assert_secured(response)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "strict-transport-security" not in response.headers  # plain http base URL


def test_an_unhandled_error_still_carries_the_headers(app: FastAPI) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert_secured(response)


def test_hsts_is_sent_only_when_the_base_url_is_https(settings: Settings, app: FastAPI) -> None:
    secure = create_app(
        settings.model_copy(update={"base_url": "https://badges.example.org"}),
        engine=app.state.engine,
        sessions=app.state.session_factory,
    )
    with TestClient(secure, base_url="https://badges.example.org") as client:
        page = client.get("/")
        api = client.get("/healthz")
    for response in (page, api):
        assert response.headers["strict-transport-security"] == "max-age=31536000"
        assert_secured(response)


def test_a_header_a_route_sets_itself_is_not_doubled(app: FastAPI) -> None:
    with TestClient(app) as client:
        response = client.get("/api/docs/swagger-ui.css")
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert response.headers["cache-control"] == "public, max-age=86400"


def test_api_docs_load_nothing_from_another_origin(app: FastAPI) -> None:
    with TestClient(app) as client:
        page = client.get("/api/docs")
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources, page.text
        for source in sources:
            assert source.startswith("/api/docs/"), source
            asset = client.get(source)
            assert asset.status_code == 200
            assert_secured(asset)
        assert client.get("/api/docs/manifest.json").status_code == 404
        assert client.get("/api/docs/..%2Fdocs.py").status_code == 404
    assert "<script>" not in page.text  # no inline script: the CSP forbids it
    assert "cdn" not in page.text.lower()
    # each file is named with its Subresource Integrity digest
    for name, digest in re.findall(r'"/api/docs/([^"]+)" integrity="sha256-([^"]+)"', page.text):
        assert hashlib.sha256((ASSETS_DIR / name).read_bytes()).digest() == base64.b64decode(digest)


def test_the_vendored_swagger_ui_is_the_pinned_release() -> None:
    manifest = json.loads((ASSETS_DIR / "manifest.json").read_text(encoding="utf-8"))
    lock = json.loads(
        (REPO_ROOT / "scripts" / "vendor" / "swagger-ui" / "package-lock.json").read_text("utf-8")
    )
    pinned = lock["packages"]["node_modules/swagger-ui-dist"]
    assert manifest["package"] == "swagger-ui-dist"
    assert (manifest["version"], manifest["integrity"]) == (
        pinned["version"],
        pinned["integrity"],
    )
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((ASSETS_DIR / name).read_bytes()).hexdigest() == digest, name


def test_a_tampered_vendored_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from credstack.api import docs

    copy = tmp_path / "swagger_ui"
    copy.mkdir()
    for path in ASSETS_DIR.iterdir():
        copy.joinpath(path.name).write_bytes(path.read_bytes())
    copy.joinpath("swagger-ui-bundle.js").write_text("alert('not swagger')", encoding="utf-8")
    monkeypatch.setattr(docs, "ASSETS_DIR", copy)
    docs.asset.cache_clear()
    docs.manifest.cache_clear()
    settings = Settings(
        home=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}", secret_key=SecretStr("k")
    )
    try:
        with TestClient(create_app(settings)) as client:
            response = client.get("/api/docs/swagger-ui-bundle.js")
    finally:
        docs.asset.cache_clear()
        docs.manifest.cache_clear()
    assert response.status_code == 503
    assert "does not match the SHA-256" in response.json()["detail"]
