"""``GET /healthz`` tells a load balancer whether this process can serve."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker
from v1_world import make_user, session_client

from credstack.app import create_app
from credstack.services.operations.database import write_problem
from credstack.settings import Settings
from credstack.store.engine import create_database_engine, sqlite_path
from credstack.store.migrate import current_revision, head_revision
from credstack.store.models import User

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


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


def read_only_engine(engine: Engine) -> Engine:
    """The test database opened so that every write is refused by the database itself.

    SQLite: the file through a ``mode=ro`` URI (root ignores chmod, the URI it cannot).
    PostgreSQL: every session in read-only transaction mode, as on a standby.
    """
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite":
        return create_database_engine(f"sqlite:///file:{sqlite_path(url)}?mode=ro&uri=true")
    read_only = create_database_engine(url)

    @event.listens_for(read_only, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        dbapi_connection.commit()

    return read_only


@pytest.fixture
def read_only_app(engine: Engine, settings: Settings) -> Iterator[FastAPI]:
    read_only = read_only_engine(engine)
    yield create_app(settings, engine=read_only)
    read_only.dispose()


def test_healthz_reports_a_database_that_cannot_write(read_only_app: FastAPI) -> None:
    with TestClient(read_only_app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["database"] == "unwritable"
    assert body["revision"] == head_revision()  # reads still work: it is only writes
    assert "read-only" in body["detail"]


def test_a_refused_write_answers_a_503_page_not_a_bare_500(read_only_app: FastAPI) -> None:
    with TestClient(read_only_app) as client:
        form = client.get("/sign-up")
        token = _CSRF_FIELD.search(form.text)
        assert token is not None
        response = client.post(
            "/sign-up",
            data={"name": "Ada", "email": "ada@example.org", "password": "a long passphrase",
                  "csrf_token": token.group(1)},
            headers={"accept": "text/html"},
        )  # fmt: skip
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["retry-after"] == "60"
    assert "The database cannot write now" in response.text
    assert "Nothing was saved" in response.text


def test_a_refused_api_write_answers_a_503_problem(
    read_only_app: FastAPI, engine: Engine, settings: Settings
) -> None:
    with Session(engine, expire_on_commit=False) as writable:
        user = make_user(writable, f"owner-{secrets.token_hex(4)}@example.org")
        writable.commit()
    try:
        # the session row is written beforehand, as a sign-in before the database went read-only
        writer = sessionmaker(engine, expire_on_commit=False)
        with session_client(read_only_app, settings, user, writer) as client:
            response = client.post(
                "/api/v1/organizations",
                json={"name": "Read Only U", "type": "university",
                      "url": "https://ro.example", "country": "NL"},
            )  # fmt: skip
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == "urn:credstack:problem:database-unwritable"
        assert body["detail"].startswith("the database cannot write now: ")
    finally:
        with Session(engine) as writable:
            writable.delete(writable.get(User, user.id))
            writable.commit()


def test_the_write_probe_changes_nothing(engine: Engine) -> None:
    assert write_problem(engine) is None
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()


def test_healthz_reports_a_full_disk_under_sqlite(
    app: FastAPI, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk is a system edge: its free space is faked, the rest is real."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the free-space check is SQLite's (PostgreSQL reports its own disk)")
    import shutil

    full = shutil._ntuple_diskusage(10**9, 10**9 - 4096, 4096)
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: full)
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unwritable"
    assert "has only 4,096 bytes free" in response.json()["detail"]
