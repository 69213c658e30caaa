"""Bulk jobs live in the bulk_jobs table too: readable after a restart, stale ones interrupted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy.orm import Session
from v1_world import build_world, session_client

from credstack.services.issuing.bulk_jobs import BulkJobs
from credstack.settings import Settings
from credstack.store.models import BulkJobRecord

CSV = b"email,name\na@example.org,A Person\nbad,B\n"


def test_a_finished_job_is_read_back_after_a_restart(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    world = build_world(db, settings)
    with session_client(app, settings, world.users["awarder"]) as client:
        started = client.post(
            "/api/v1/awards/bulk",
            data={"achievement_id": world.home.achievement},
            files={"file": ("awards.csv", CSV, "text/csv")},
        ).json()
        assert app.state.bulk_jobs.get(started["id"]).finished.wait(60)
        before = client.get(f"/api/v1/jobs/{started['id']}").json()
        app.state.bulk_jobs = BulkJobs(app.state.session_factory)  # a restarted process
        after = client.get(f"/api/v1/jobs/{started['id']}").json()
    assert before == after
    assert after["state"] == "done" and after["issued"] == 0 and after["invalid"] == 1
    assert after["errors"][0]["line"] == 3  # a bad row and no skip_invalid: nothing issued


def test_a_running_job_that_stopped_moving_reads_as_interrupted(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    world = build_world(db, settings)
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    for job_id, updated in (("stale", long_ago), ("live", datetime.now(UTC))):
        db.add(
            BulkJobRecord(
                id=job_id, organization_id=world.home.id, achievement_id=world.home.achievement,
                state="running", rows_done=500, rows_total=1000, issued=500, skipped=0,
                invalid=0, errors=[], created_at=long_ago, updated_at=updated,
            )
        )  # fmt: skip
    db.commit()
    with session_client(app, settings, world.users["viewer"]) as client:
        stale = client.get("/api/v1/jobs/stale").json()
        live = client.get("/api/v1/jobs/live").json()
    assert stale["state"] == "interrupted" and "upload the same file again" in stale["error"]
    assert live["state"] == "running" and live["progress"] == {"done": 500, "total": 1000}
    with session_client(app, settings, world.users["stranger"]) as client:
        assert client.get("/api/v1/jobs/live").status_code == 404
