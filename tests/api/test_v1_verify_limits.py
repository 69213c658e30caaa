"""``POST /api/v1/verify`` against the hardening probe's hostile inputs (issue 9).

Nested JSON gets a report (finding 8); over-budget credentials get a 413 or 422 problem
naming the limit, and a runaway one is stopped by the CPU budget (finding 2); our own
credentials verified through the API are counted like the page's (finding 16).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from credstack.app import create_app
from credstack.core.badge_image import default_badge_png, default_badge_svg
from credstack.core.baking import bake_png, bake_svg
from credstack.services.audit import list_events
from credstack.services.context import ServiceContext
from credstack.settings import Settings
from credstack.store.models import Award
from hostile_inputs import heavy_credential, nested_header_jwt, signed_credential, wide_credential
from issued_awards import issue, new_achievement, new_issuer

START = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture
def award(db: Session, settings: Settings) -> Award:
    ticks = itertools.count()
    ctx = replace(
        ServiceContext.from_settings(settings), clock=lambda: START + timedelta(seconds=next(ticks))
    )
    org = new_issuer(db, ctx)
    award = issue(db, ctx, org, new_achievement(db, org), email="ada@example.org")
    db.commit()
    return award


def parse_check(body: dict[str, Any]) -> dict[str, str]:
    check: dict[str, str] = body["checks"][0]
    assert check["id"] == "parse"
    return check


def test_a_jwt_with_a_nested_header_gets_a_report_not_a_500(client: TestClient) -> None:
    token = nested_header_jwt()
    raw = client.post("/api/v1/verify", content=token, headers={"content-type": "application/jwt"})
    baked = {
        "badge.png": bake_png(default_badge_png("B", "I", "x"), token),
        "badge.svg": bake_svg(default_badge_svg("B", "I", "x"), token),
    }
    uploads = [client.post("/api/v1/verify", files={"file": (n, d)}) for n, d in baked.items()]
    for response in [raw, *uploads]:
        assert response.status_code == 200, response.text
        assert response.json()["verified"] is False
        check = parse_check(response.json())
        assert check["status"] == "fail" and "nested too deeply" in check["message"]


def test_over_budget_credentials_get_a_problem_naming_the_limit(client: TestClient) -> None:
    wide = client.post("/api/v1/verify", content=wide_credential())
    assert wide.status_code == 422
    assert wide.headers["content-type"] == "application/problem+json"
    problem = wide.json()
    assert problem["type"] == "urn:credstack:problem:verification-budget"
    assert (problem["limit"], problem["allowed"]) == ("max_entries", 1000)
    assert "$.evidence has 38,000 entries" in problem["detail"]
    assert "at most 1,000 entries per array" in problem["detail"]
    big = json.dumps({"padding": "x" * (3 * 1024 * 1024)}).encode()
    large = client.post("/api/v1/verify", content=big)
    assert large.status_code == 413
    assert large.json()["type"] == "urn:credstack:problem:too-large"
    assert large.json()["limit"] == "max_bytes"
    assert "at most 2 MB" in large.json()["detail"]


def test_a_runaway_verification_is_stopped_by_the_cpu_budget_and_the_next_one_runs(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    tight = settings.model_copy(update={"verify_cpu_seconds": 1.0})
    client = TestClient(create_app(tight, engine=engine, sessions=sessions))
    stopped = client.post("/api/v1/verify", content=heavy_credential())
    assert stopped.status_code == 422, stopped.text
    assert stopped.json()["limit"] == "cpu_seconds"
    assert "more than 1 s of CPU" in stopped.json()["detail"]
    good = client.post("/api/v1/verify", content=json.dumps(signed_credential()))
    assert good.status_code == 200
    assert parse_check(good.json())["status"] == "pass"
    assert [c["id"] for c in good.json()["checks"] if c["status"] == "fail"] == []


def test_api_verifications_of_our_credentials_are_counted_like_the_pages(
    client: TestClient, db: Session, award: Award
) -> None:
    ours = client.post("/api/v1/verify", content=award.credential)
    assert ours.status_code == 200 and ours.json()["verified"] is True, ours.json()
    tampered = award.credential.replace("Data literacy", "Brain surgery")
    assert client.post("/api/v1/verify", content=tampered).json()["verified"] is False
    assert client.post("/api/v1/verify", content=json.dumps(signed_credential())).is_success
    events = list_events(db, kind_prefix="credential.verified", subject_id=award.id)
    assert [(e.data["verified"], e.data["via"]) for e in events] == [(False, "api"), (True, "api")]
    assert len(list_events(db, kind_prefix="credential.verified")) == 2
