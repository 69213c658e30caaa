"""``/api/openapi.json`` describes what the app really answers (clients and fuzzers read it)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from credstack.api.auth import SESSION_COOKIE_SCHEME
from credstack.web.sessions import SESSION_COOKIE

PROBLEM = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
def document(app: FastAPI) -> dict[str, Any]:
    response = TestClient(app).get("/api/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_refusal_is_documented_as_a_problem(document: dict[str, Any]) -> None:
    for label, operation in _operations(document):
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}, (
                    label,
                    status,
                )
        assert "4XX" in operation["responses"], label
    assert "HTTPValidationError" not in document["components"]["schemas"]
    problem = document["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status", "detail"]


def test_operations_that_need_a_caller_say_how_to_be_one(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "cst_...",
        "description": schemes["bearer"]["description"],
    }
    assert schemes["session"]["in"] == "cookie"
    for label, operation in _operations(document):
        public = not label.split(" ")[1].startswith("/api/v1/") or label == "POST /api/v1/verify"
        if public:
            assert "security" not in operation, label
        else:
            assert operation["security"] == [{"bearer": []}, {"session": []}], label
            assert {"401", "403"} <= set(operation["responses"]), label


def test_the_documented_cookie_is_the_one_sign_in_sets() -> None:
    assert SESSION_COOKIE_SCHEME.model.name == SESSION_COOKIE


@pytest.mark.parametrize(
    ("label", "media_types"),
    [
        ("GET /credentials/{award_id}.png", ["image/png"]),
        ("GET /credentials/{award_id}.svg", ["image/svg+xml"]),
        ("GET /credentials/{award_id}.jwt", ["application/jwt"]),
        (
            "GET /credentials/{award_id}.json",
            ["application/json", "application/vc", "application/ld+json"],
        ),
        ("GET /issuers/{slug}/image", ["image/*"]),
        ("GET /status/{list_id}", ["application/json", "application/vc"]),
    ],
)
def test_documents_are_described_in_the_media_types_they_are_served_in(
    document: dict[str, Any], label: str, media_types: list[str]
) -> None:
    operation = dict(_operations(document))[label]
    assert list(operation["responses"]["200"]["content"]) == media_types


def test_the_health_check_documents_its_503(document: dict[str, Any]) -> None:
    responses = document["paths"]["/healthz"]["get"]["responses"]
    assert responses["503"]["content"]["application/problem+json"]["schema"] == PROBLEM
