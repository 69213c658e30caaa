"""Issue 9, findings 1, 4 and 10: concurrent writes against a real ``credstack serve``.

Every test starts the server as a subprocess on loopback and hammers it from threads
with httpx, on SQLite (one writer at a time: requests must wait, not fail) and, where
the race is PostgreSQL's, on a PostgreSQL schema of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from concurrency_world import LoadWorld, all_at_once, answer, load_world


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


def test_fifty_parallel_awards_are_all_stored(world: LoadWorld) -> None:
    def award(number: int) -> tuple[int, dict[str, Any]]:
        with world.client() as client:
            response = client.post(
                "/api/v1/awards",
                json={
                    "achievement_id": world.achievement_id,
                    "email": f"learner{number}@load.example",
                    "name": f"Learner {number}",
                },
            )
            return response.status_code, answer(response)

    answers = all_at_once(50, award)

    assert [status for status, _ in answers] == [201] * 50, answers
    assert all(body["created"] for _, body in answers)
    assert len({body["id"] for _, body in answers}) == 50
    assert world.award_count() == 50


def test_fifty_parallel_awards_for_one_learner_and_id_issue_one(world: LoadWorld) -> None:
    """A client retrying in parallel: one award, and every answer is the one a retry gets."""

    def award(_number: int) -> tuple[int, dict[str, Any]]:
        with world.client() as client:
            response = client.post(
                "/api/v1/awards",
                json={
                    "achievement_id": world.achievement_id,
                    "email": "same@load.example",
                    "name": "Sam Same",
                    "external_id": "STU-1",
                },
            )
            return response.status_code, answer(response)

    answers = all_at_once(50, award)

    assert [status for status, _ in answers] == [201] * 50, answers
    assert len({body["id"] for _, body in answers}) == 1
    assert sorted(body["created"] for _, body in answers) == [False] * 49 + [True]
    assert world.award_count() == 1
