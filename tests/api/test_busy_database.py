"""A write that cannot get SQLite's lock in time answers 503 "busy" with Retry-After.

The app runs on a real SQLite file (not the rolled-back test transaction), and "another
process" holds the write lock through a plain ``sqlite3`` connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, select

from credstack.api.dependencies import DbSession, ReadsOnly
from credstack.app import create_app
from credstack.settings import Settings
from credstack.store.engine import engine_for
from credstack.store.migrate import upgrade_to_head
from credstack.store.models import Learner

AppOnFile = Callable[[int], tuple[FastAPI, Path]]


@pytest.fixture
def app_on_file(tmp_path: Path) -> Iterator[AppOnFile]:
    """Makes the app on its own SQLite file with the given busy timeout, and probe routes."""
    engines: list[Engine] = []

    def make(busy_timeout_ms: int) -> tuple[FastAPI, Path]:
        database = tmp_path / "busy.db"
        settings = Settings(
            home=tmp_path / "home",
            database_url=f"sqlite:///{database}",
            secret_key=SecretStr("test-master-secret-not-for-production"),
            sqlite_busy_timeout_ms=busy_timeout_ms,
        )
        engine = engine_for(settings)
        engines.append(engine)
        upgrade_to_head(engine)
        app = create_app(settings, engine)
        app.include_router(_probe_routes())
        return app, database

    yield make
    for engine in engines:
        engine.dispose()


def _probe_routes() -> APIRouter:
    router = APIRouter()

    @router.post("/probe/learners/{learner_id}")
    def add(learner_id: str, db: DbSession) -> dict[str, str]:
        db.add(Learner(id=learner_id, name="Probe"))
        db.flush()  # holds the write lock from here to the commit, after serialisation
        return {"id": learner_id}

    @router.get("/probe/learners")
    def names(db: DbSession) -> list[str]:
        return list(db.scalars(select(Learner.id)))

    @router.post("/probe/count", dependencies=[ReadsOnly])
    def count(db: DbSession) -> int:
        return len(db.scalars(select(Learner.id)).all())

    return router


def test_a_write_behind_a_long_lock_is_503_busy_and_reads_still_answer(
    app_on_file: AppOnFile,
) -> None:
    app, database = app_on_file(300)
    other = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    try:
        with TestClient(app) as client:
            refused = client.post("/probe/learners/late")
            read = client.get("/probe/learners")
            counted = client.post("/probe/count")  # a POST whose route only reads
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"] == "urn:credstack:problem:busy"
    assert problem["detail"].startswith("the database is busy, try again")
    assert read.status_code == 200 and read.json() == []  # readers never wait for the lock
    assert counted.status_code == 200 and counted.json() == 0
    with TestClient(app) as client:
        assert client.post("/probe/learners/late").status_code == 200  # the retry works
        assert client.get("/probe/learners").json() == ["late"]


def test_a_deadlock_free_burst_of_writes_all_commit(app_on_file: AppOnFile) -> None:
    """More concurrent writes than the server has worker threads: all of them commit.

    Each holds the lock across two of FastAPI's thread hops (the route, then the response
    serialisation); had the waiters taken the worker threads, the holder would find none
    and every request would wait out the (generous) busy timeout.
    """
    app, _database = app_on_file(20_000)
    from concurrent.futures import ThreadPoolExecutor

    with TestClient(app) as client, ThreadPoolExecutor(max_workers=60) as pool:
        statuses = list(
            pool.map(lambda n: client.post(f"/probe/learners/l{n}").status_code, range(60))
        )
        stored = client.get("/probe/learners").json()
    assert statuses == [200] * 60
    assert sorted(stored) == sorted(f"l{n}" for n in range(60))
