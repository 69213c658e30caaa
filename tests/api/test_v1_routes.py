"""What the /api/v1 routes answer: shapes, pagination, the bulk job, verify, size limits."""

from __future__ import annotations

import io
import json

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from v1_world import EXAMPLE, build_world, make_user, session_client

from credstack.settings import Settings
from credstack.store.models import Award


def test_creating_an_organisation_makes_me_its_owner(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    founder = make_user(db, "founder@example.org")
    body = {"name": "Open Academy", "type": "training_provider", "url": "https://oa.example",
            "country": "BE"}  # fmt: skip
    with session_client(app, settings, founder) as client:
        created = client.post("/api/v1/organizations", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["role"] == "owner" and created.json()["slug"] == "open-academy"
        mine = client.get("/api/v1/organizations").json()
        assert [item["name"] for item in mine["items"]] == ["Open Academy"]
        bad = client.post("/api/v1/organizations", json=body | {"country": "XX"})
        assert bad.status_code == 422
        assert any(p.startswith("country") for p in bad.json()["problems"])


def test_lists_paginate_with_a_next_link(app: FastAPI, db: Session, settings: Settings) -> None:
    world = build_world(db, settings)
    with session_client(app, settings, world.users["awarder"]) as client:
        for n in range(2):
            body = {"achievement_id": world.home.achievement, "email": f"p{n}@example.org",
                    "name": f"P {n}"}  # fmt: skip
            assert client.post("/api/v1/awards", json=body).status_code == 201
        seen: list[str] = []
        url: str | None = f"/api/v1/organizations/{world.home.id}/awards?limit=2"
        while url:
            page = client.get(url).json()
            assert len(page["items"]) <= 2
            seen += [item["id"] for item in page["items"]]
            url = page["next"]
        assert len(seen) == len(set(seen)) == 3
        filtered = client.get(
            f"/api/v1/organizations/{world.home.id}/awards", params={"email": "P1@example.org"}
        ).json()
        assert [item["recipient"]["name"] for item in filtered["items"]] == ["P 1"]
        assert (
            client.get(f"/api/v1/organizations/{world.home.id}/awards?cursor=!!").status_code == 400
        )


def test_award_create_revoke_and_credential(app: FastAPI, db: Session, settings: Settings) -> None:
    world = build_world(db, settings)
    body = {"achievement_id": world.home.achievement, "email": "Q@example.org", "name": "Q"}
    with session_client(app, settings, world.users["awarder"]) as client:
        created = client.post("/api/v1/awards", json=body).json()
        assert set(created) >= {"id", "url", "state"} and created["state"] == "issued"
        assert created["url"] == f"{settings.base_url}/credentials/{created['id']}"
        again = client.post("/api/v1/awards", json=body).json()
        assert again["id"] == created["id"] and again["created"] is False
        credential = client.get(f"/api/v1/credentials/{created['id']}").json()
        assert credential["credential"]["id"] == created["url"]
        revoked = client.post(f"/api/v1/awards/{created['id']}/revoke", json={"reason": "typo"})
        assert revoked.json()["state"] == "revoked"
        twice = client.post(f"/api/v1/awards/{created['id']}/revoke", json={"reason": "typo"})
        assert twice.status_code == 409
        learners = client.get(f"/api/v1/organizations/{world.home.id}/learners").json()["items"]
        assert {item["email"] for item in learners} == {"learner@home.example", "q@example.org"}


def test_achievements_accept_json_and_yaml(app: FastAPI, db: Session, settings: Settings) -> None:
    import yaml

    world = build_world(db, settings)
    as_json = json.dumps(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), default=str)
    with session_client(app, settings, world.users["admin"]) as client:
        route = f"/api/v1/organizations/{world.home.id}/achievements"
        made = client.post(route, content=as_json, headers={"Content-Type": "application/json"})
        assert made.status_code == 201, made.text
        assert made.json()["state"] == "draft"
        published = client.post(f"/api/v1/achievements/{made.json()['id']}/publish")
        assert published.json()["state"] == "published"
        edited = client.put(
            f"/api/v1/achievements/{made.json()['id']}",
            content=EXAMPLE.read_bytes(),
            headers={"Content-Type": "application/yaml"},
        ).json()
        assert edited["version"] == 2 and edited["lineage_id"] == made.json()["lineage_id"]
        broken = client.post(route, content=b"name: [", headers={"Content-Type": "text/yaml"})
        assert broken.status_code in (400, 422)
        assert broken.headers["content-type"] == "application/problem+json"


def test_a_bulk_upload_reports_progress_counts_and_row_errors(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    world = build_world(db, settings)
    csv = b"email,name\na@example.org,A Person\nnot-an-email,B\nc@example.org,C Person\n"
    with session_client(app, settings, world.users["awarder"]) as client:
        started = client.post(
            "/api/v1/awards/bulk",
            data={"achievement_id": world.home.achievement, "skip_invalid": "true"},
            files={"file": ("awards.csv", csv, "text/csv")},
        )
        assert started.status_code == 202, started.text
        job_id = started.json()["id"]
        assert started.json()["url"].endswith(f"/api/v1/jobs/{job_id}")
        assert app.state.bulk_jobs.get(job_id).finished.wait(60)
        job = client.get(f"/api/v1/jobs/{job_id}").json()
    assert job["state"] == "done", job
    assert (job["issued"], job["skipped"], job["invalid"]) == (2, 0, 1)
    assert job["progress"] == {"done": 2, "total": 2}
    assert job["errors"][0]["line"] == 3 and job["errors"][0]["column"] == "email"
    with session_client(app, settings, world.users["stranger"]) as client:
        assert client.get(f"/api/v1/jobs/{job_id}").status_code == 404


def test_verify_takes_a_raw_body_or_a_file_and_checks_the_recipient(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    world = build_world(db, settings)
    award = db.get(Award, world.home.award)
    assert award is not None
    credential = award.credential.encode("utf-8")
    with TestClient(app) as client:
        raw = client.post("/api/v1/verify", content=credential)
        assert raw.status_code == 200
        assert raw.json()["verified"] is True, [
            c for c in raw.json()["checks"] if c["status"] != "pass"
        ]
        assert {"input", "verified", "checks", "credential"} <= set(raw.json())
        upload = client.post(
            "/api/v1/verify",
            files={"file": ("badge.json", credential, "application/json")},
            data={"recipient": "learner@home.example"},
        ).json()
        assert upload["verified"] is True and upload["input"] == "badge.json"
        wrong = client.post(
            "/api/v1/verify", params={"recipient": "someone.else@example.org"}, content=credential
        ).json()
        assert wrong["verified"] is False
        tampered = client.post(
            "/api/v1/verify", content=credential.replace(b"Lena Learner", b"Mallory")
        ).json()
        assert tampered["verified"] is False
        failed = {check["id"] for check in tampered["checks"] if check["status"] == "fail"}
        assert "proof" in failed, tampered["checks"]


def test_uploads_over_the_limits_get_413(app: FastAPI, db: Session, settings: Settings) -> None:
    world = build_world(db, settings)
    with TestClient(app) as client:
        big = client.post("/api/v1/verify", content=b"x" * (8 * 1024 * 1024 + 1))
        assert big.status_code == 413
        big_file = client.post(
            "/api/v1/verify", files={"file": ("c.json", io.BytesIO(b"x" * (8 * 1024 * 1024 + 1)))}
        )
        assert big_file.status_code == 413
    with session_client(app, settings, world.users["awarder"]) as client:
        huge = client.post(
            "/api/v1/awards/bulk",
            data={"achievement_id": world.home.achievement},
            files={"file": ("a.csv", b"email,name\n" + b"x" * (50 * 1024 * 1024))},
        )
        assert huge.status_code == 413
