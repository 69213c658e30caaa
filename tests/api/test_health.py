"""``GET /healthz`` tells a load balancer whether this process can serve."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from credstack.app import create_app
from credstack.settings import Settings
from credstack.store.migrate import head_revision


def test_healthz_is_ok_on_a_migrated_database(app: FastAPI) -> None:
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "revision": head_revision()}


def test_healthz_reports_an_uninitialised_database(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["database"] == "uninitialised"
    assert "credstack init" in body["detail"]


def test_healthz_reports_an_unreachable_database(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="postgresql://nobody@127.0.0.1:1/none")
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == 503
    assert body["database"] == "unreachable"
    assert body["revision"] is None


def test_api_docs_are_served_under_api(app: FastAPI) -> None:
    with TestClient(app) as client:
        response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert "/healthz" in response.json()["paths"]
