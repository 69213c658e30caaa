"""Every error leaves the API as RFC 9457 problem details."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from credstack.api.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers
from credstack.core.errors import ConflictError, NotFoundError, ValidationError


def app_raising(error: Exception) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise error

    @app.get("/typed/{number}")
    def typed(number: int) -> dict[str, int]:
        return {"number": number}

    return TestClient(app)


def test_not_found_error_is_a_404_problem() -> None:
    response = app_raising(NotFoundError("no award abc")).get("/boom")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    body = response.json()
    assert body["status"] == 404
    assert body["detail"] == "no award abc"
    assert body["type"] == "urn:credstack:problem:not-found"
    assert body["instance"] == "/boom"


def test_validation_error_lists_its_problems() -> None:
    error = ValidationError("cannot publish", ["ECTS credits are missing", "EQF level"])
    body = app_raising(error).get("/boom").json()
    assert body["status"] == 422
    assert body["problems"] == ["ECTS credits are missing", "EQF level"]


def test_conflict_is_409() -> None:
    assert app_raising(ConflictError("already revoked")).get("/boom").status_code == 409


def test_request_validation_and_unknown_routes_are_problems_too() -> None:
    client = app_raising(ConflictError("x"))
    bad = client.get("/typed/not-a-number")
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    assert bad.json()["problems"]
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.json()["title"] == "Not found"
