"""A request owns its transaction: committed before the response, rolled back on error."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.api.dependencies import AppSettings, DbSession
from credstack.settings import Settings
from credstack.store.models import Learner


def _mount_probe_routes(app: FastAPI) -> None:
    router = APIRouter()

    @router.post("/probe/learners/{learner_id}")
    def add(learner_id: str, db: DbSession) -> dict[str, str]:
        db.add(Learner(id=learner_id, name="Probe"))
        return {"id": learner_id}

    @router.post("/probe/fail/{learner_id}")
    def add_then_fail(learner_id: str, db: DbSession) -> dict[str, str]:
        db.add(Learner(id=learner_id, name="Probe"))
        db.flush()
        raise RuntimeError("the route failed after writing")

    @router.get("/probe/base-url")
    def base_url(settings: AppSettings) -> dict[str, str]:
        return {"base_url": settings.base_url}

    app.include_router(router)


def _names(db: Session, learner_id: str) -> list[str]:
    return list(db.scalars(select(Learner.name).where(Learner.id == learner_id)))


def test_a_successful_request_commits(app: FastAPI, db: Session) -> None:
    _mount_probe_routes(app)
    with TestClient(app) as client:
        assert client.post("/probe/learners/committed").status_code == 200
    assert _names(db, "committed") == ["Probe"]


def test_a_failing_request_rolls_back(app: FastAPI, db: Session) -> None:
    _mount_probe_routes(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/probe/fail/rolled-back").status_code == 500
    assert _names(db, "rolled-back") == []


def test_a_failing_commit_is_not_reported_as_success(app: FastAPI, db: Session) -> None:
    """The commit runs before the response: a duplicate key must not answer 200."""
    db.add(Learner(id="taken", name="Existing"))
    db.commit()
    _mount_probe_routes(app)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/probe/learners/taken")
    assert response.status_code == 500
    assert _names(db, "taken") == ["Existing"]


def test_routes_see_the_apps_settings(app: FastAPI, settings: Settings) -> None:
    _mount_probe_routes(app)
    with TestClient(app) as client:
        assert client.get("/probe/base-url").json() == {"base_url": settings.base_url}
