"""API rate limits: per token, counted in the database and shared by every app process."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from v1_world import bearer_client, build_world

from credstack.app import create_app
from credstack.services.accounts import tokens
from credstack.services.accounts.users import Principal
from credstack.settings import Settings


def test_a_token_is_limited_per_minute_with_problem_details(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session], db: Session
) -> None:
    limited = settings.model_copy(update={"rate_limits": "api-token=3/minute"})
    app = create_app(limited, engine=engine, sessions=sessions)
    world = build_world(db, limited)
    secret = tokens.create_token(
        db, world.ctx, Principal(world.users["owner"].id), world.home.id, name="lms",
        scopes=["read"],
    ).secret  # fmt: skip
    db.commit()
    other = tokens.create_token(
        db, world.ctx, Principal(world.users["owner"].id), world.home.id, name="ci",
        scopes=["read"],
    ).secret  # fmt: skip
    db.commit()
    path = f"/api/v1/organizations/{world.home.id}"
    with bearer_client(app, secret) as client:
        codes = [client.get(path).status_code for _ in range(4)]
        refused = client.get(path)
    assert codes == [200, 200, 200, 429]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:credstack:problem:rate-limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    with bearer_client(app, other) as client:
        assert client.get(path).status_code == 200  # each token has its own allowance


def test_two_apps_on_one_database_share_the_limits(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """Two server processes (two ``create_app``): a client cannot double its allowance."""
    limited = settings.model_copy(update={"rate_limits": "verify=2/minute"})
    first = create_app(limited, engine=engine, sessions=sessions)
    second = create_app(limited, engine=engine, sessions=sessions)
    with TestClient(first) as one, TestClient(second) as two:
        codes = [client.post("/api/v1/verify", content=b"{}").status_code for client in (
            one, two, one, two
        )]  # fmt: skip
    assert codes == [200, 200, 429, 429]
