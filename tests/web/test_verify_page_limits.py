"""The ``/verify`` page against the hardening probe's hostile inputs (issue 9).

Nested JSON is an unreadable credential on the page (finding 8); an over-budget one is
refused with a message naming the limit, and a runaway one is stopped by the CPU budget
without the page failing (finding 2).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from test_verify_page import submit

from credstack.app import create_app
from credstack.core.badge_image import default_badge_png
from credstack.core.baking import bake_png
from credstack.settings import Settings
from hostile_inputs import heavy_credential, nested_header_jwt, wide_credential


def test_a_jwt_with_a_nested_header_is_reported_unreadable(app: FastAPI) -> None:
    client = TestClient(app)
    token = nested_header_jwt()
    png = bake_png(default_badge_png("B", "I", "x"), token)
    for response in (
        submit(client, text=token),
        submit(client, files={"file": ("badge.png", png, "image/png")}),
    ):
        assert response.status_code == 200
        assert "Not verified</h2>" in response.text
        assert '<th scope="row">parse</th><td>fail</td>' in response.text
        assert "nested too deeply" in response.text


def test_an_over_budget_credential_is_refused_with_the_limit_named(app: FastAPI) -> None:
    client = TestClient(app)
    response = submit(client, files={"file": ("wide.json", wide_credential(), "application/json")})
    assert response.status_code == 422
    assert "$.evidence has 38,000 entries" in response.text
    assert "at most 1,000 entries per array" in response.text
    padded = b'{"padding": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    too_big = submit(client, files={"file": ("big.json", padded, "application/json")})
    assert too_big.status_code == 413
    assert "reads credentials of at most 2 MB" in too_big.text


def test_a_runaway_verification_is_stopped_and_the_page_says_why(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    tight = settings.model_copy(update={"verify_cpu_seconds": 1.0})
    client = TestClient(create_app(tight, engine=engine, sessions=sessions))
    heavy = heavy_credential()
    response = submit(client, files={"file": ("heavy.json", heavy, "application/json")})
    assert response.status_code == 422
    assert "more than 1 s of CPU" in response.text
    assert '<h2 id="result-heading"' not in response.text  # no report for a stopped check
