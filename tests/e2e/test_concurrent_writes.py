"""Issue 9, findings 1, 4 and 10: concurrent writes against a real ``credstack serve``.

Every test starts the server as a subprocess on loopback and hammers it from threads
with httpx, on SQLite (one writer at a time: requests must wait, not fail) and, where
the race is PostgreSQL's, on a PostgreSQL schema of its own.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from browser_harness import run_cli
from concurrency_world import (
    JOB_DEADLINE_SECONDS,
    LoadWorld,
    all_at_once,
    answer,
    csv_text,
    load_world,
)

from credstack.store.engine import session_factory
from credstack.store.models import OutboxEmail


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LoadWorld]:
    """A running server with an issuer, on SQLite or on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        with load_world(tmp_path / "home") as sqlite_world:
            yield sqlite_world
        return
    schemas: Any = request.getfixturevalue("postgres_schemas")
    schema = schemas.create("load")
    try:
        with load_world(tmp_path / "home", schemas.url_for(schema)) as postgres_world:
            yield postgres_world
    finally:
        schemas.drop(schema)


def _award(world: LoadWorld, **body: str) -> tuple[int, dict[str, Any]]:
    """``POST /api/v1/awards`` of the world's achievement: status and JSON body."""
    with world.client() as client:
        response = client.post(
            "/api/v1/awards", json={"achievement_id": world.achievement_id, **body}
        )
        return response.status_code, answer(response)


def test_fifty_parallel_awards_are_all_stored(world: LoadWorld) -> None:
    answers = all_at_once(
        50, lambda n: _award(world, email=f"learner{n}@load.example", name=f"Learner {n}")
    )

    assert [status for status, _ in answers] == [201] * 50, answers
    assert all(body["created"] for _, body in answers)
    assert len({body["id"] for _, body in answers}) == 50
    assert world.award_count() == 50


def test_fifty_parallel_awards_for_one_learner_and_id_issue_one(world: LoadWorld) -> None:
    """A client retrying in parallel: one award, and every answer is the one a retry gets."""

    same = {"email": "same@load.example", "name": "Sam Same", "external_id": "STU-1"}
    answers = all_at_once(50, lambda _n: _award(world, **same))

    assert [status for status, _ in answers] == [201] * 50, answers
    assert len({body["id"] for _, body in answers}) == 1
    assert sorted(body["created"] for _, body in answers) == [False] * 49 + [True]
    assert world.award_count() == 1


def _rows(prefix: str, count: int) -> list[tuple[str, str, str]]:
    return [
        (f"{prefix}{n}@load.example", f"Learner {prefix}{n}", f"{prefix}-{n}") for n in range(count)
    ]


def _upload(world: LoadWorld, content: bytes, achievement_id: str | None = None) -> dict[str, Any]:
    with world.client() as client:
        response = client.post(
            "/api/v1/awards/bulk",
            data={"achievement_id": achievement_id or world.achievement_id},
            files={"file": ("awards.csv", content, "text/csv")},
        )
        assert response.status_code == 202, response.text
        started: dict[str, Any] = response.json()
        return world.wait_for_job(client, started["id"])


def test_eight_parallel_uploads_and_a_cli_bulk_during_serve_all_complete(
    world: LoadWorld, tmp_path: Path
) -> None:
    cli_file = tmp_path / "cli.csv"
    cli_file.write_bytes(csv_text(_rows("cli", 400)))
    cli_result: list[subprocess.CompletedProcess[str]] = []
    command = ["award", "bulk", "--achievement", world.achievement_id, str(cli_file), "--json"]
    cli_thread = threading.Thread(
        target=lambda: cli_result.append(run_cli(command, world.server.env))
    )
    cli_thread.start()

    jobs = all_at_once(8, lambda n: _upload(world, csv_text(_rows(f"up{n}-", 150))))
    cli_thread.join(JOB_DEADLINE_SECONDS)

    assert [job["state"] for job in jobs] == ["done"] * 8, jobs
    assert [(job["issued"], job["skipped"], job["invalid"]) for job in jobs] == [(150, 0, 0)] * 8
    assert [job["progress"] for job in jobs] == [{"done": 150, "total": 150}] * 8
    (finished,) = cli_result
    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["issued"] == 400
    assert world.award_count() == 8 * 150 + 400
    assert not list((world.server.home / "uploads").glob("*.csv"))  # every upload deleted


def test_three_identical_uploads_at_once_all_complete_and_issue_each_row_once(
    world: LoadWorld,
) -> None:
    content = csv_text(_rows("same", 300))

    jobs = all_at_once(3, lambda _n: _upload(world, content))

    assert [job["state"] for job in jobs] == ["done"] * 3, jobs
    assert sum(job["issued"] for job in jobs) == 300
    assert [job["issued"] + job["skipped"] for job in jobs] == [300] * 3
    assert world.award_count() == 300


def test_a_failing_job_ends_failed_with_its_reason_and_its_upload_deleted(
    world: LoadWorld,
) -> None:
    job = _upload(world, csv_text(_rows("draft", 5)), achievement_id=world.draft_id)

    assert job["state"] == "failed"
    assert "only a published version can be awarded" in job["error"]
    (row,) = world.job_rows()
    assert (row.state, row.error) == ("failed", job["error"])
    assert not list((world.server.home / "uploads").glob("*"))
    assert world.award_count() == 0


def test_a_killed_server_leaves_no_running_job_and_no_upload_after_its_restart(
    world: LoadWorld,
) -> None:
    """kill -9 in the middle of a job; the next start marks it interrupted, deletes its file,
    and the job's counts are exactly the awards its committed batches issued."""
    with world.client() as client:
        started = client.post(
            "/api/v1/awards/bulk",
            data={"achievement_id": world.achievement_id},
            files={"file": ("awards.csv", csv_text(_rows("killed", 3000)), "text/csv")},
        ).json()
        deadline = time.monotonic() + JOB_DEADLINE_SECONDS
        while client.get(f"/api/v1/jobs/{started['id']}").json()["progress"]["done"] < 200:
            assert time.monotonic() < deadline, "the job never got going"
            time.sleep(0.2)
    world.server.process.kill()
    world.server.process.wait(timeout=30)
    assert list((world.server.home / "uploads").glob("*.csv"))  # the killed job's file is left

    restarted = world.restart()

    with world.client() as client:
        job = client.get(f"/api/v1/jobs/{started['id']}").json()
    assert job["state"] == "interrupted" and "upload the same file again" in job["error"]
    assert job["issued"] == world.award_count() > 0
    assert job["progress"]["done"] == job["issued"]
    assert not list((restarted.home / "uploads").glob("*"))


def test_one_bad_stored_address_does_not_stop_the_servers_email(world: LoadWorld) -> None:
    """A row stored with a CRLF and a Bcc: (before addresses were checked at the door)."""
    with session_factory(world.engine)() as session:
        bad = OutboxEmail(
            to_address="victim@load.example\r\nBcc: everyone@attacker.example",
            subject="Injected", text_body="Hello\n", created_at=datetime.now(UTC),
        )  # fmt: skip
        session.add(bad)
        session.commit()
        bad_id = bad.id
    for number in range(3):
        status, body = _award(world, email=f"mail{number}@load.example", name=f"Mail {number}")
        assert status == 201, body

    for number in range(3):
        message = world.server.wait_for_email(f"mail{number}@load.example", timeout=60)
        assert "/claim/" in str(message.get_body(preferencelist=("plain",)))
    with session_factory(world.engine)() as session:
        stored = session.get(OutboxEmail, bad_id)
        assert stored is not None and stored.sent_at is None
        assert stored.gave_up_at is not None and "line break" in (stored.last_error or "")
    files = list((world.server.home / "outbox").glob("*.eml"))
    assert not any(b"attacker" in path.read_bytes() for path in files)
    sent = run_cli(["outbox", "send", "--json"], world.server.env)  # nothing left to fail
    assert sent.returncode == 0, sent.stderr
    assert json.loads(sent.stdout)["failed"] == 0
