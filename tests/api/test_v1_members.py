"""Members through the API: leaving, removing; the last owner stays (finding 6)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from v1_world import World, build_world, session_client

from credstack.settings import Settings


def _members(app: FastAPI, settings: Settings, world: World, who: str) -> dict[str, str]:
    with session_client(app, settings, world.users[who]) as client:
        items = client.get(f"/api/v1/organizations/{world.home.id}/members").json()["items"]
    return {item["email"]: item["role"] for item in items}


def _remove(client: TestClient, world: World, who: str) -> int:
    user_id = world.users[who].id
    path = f"/api/v1/organizations/{world.home.id}/members/{user_id}"
    status: int = client.delete(path).status_code
    return status


def test_members_leave_and_admins_remove_them(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    world = build_world(db, settings)
    with session_client(app, settings, world.users["viewer"]) as viewer:
        assert _remove(viewer, world, "awarder") == 403
        assert _remove(viewer, world, "viewer") == 204  # leaving
        assert _remove(viewer, world, "viewer") == 404  # not a member any more
    with session_client(app, settings, world.users["admin"]) as admin:
        assert _remove(admin, world, "owner") == 403
        assert _remove(admin, world, "awarder") == 204
    assert set(_members(app, settings, world, "owner")) == {
        "owner@example.org",
        "admin@example.org",
    }


def test_the_last_owner_can_neither_leave_nor_be_demoted(
    app: FastAPI, db: Session, settings: Settings
) -> None:
    world = build_world(db, settings)
    members = f"/api/v1/organizations/{world.home.id}/members"
    with session_client(app, settings, world.users["owner"]) as owner:
        left = owner.delete(f"{members}/{world.users['owner'].id}")
        assert left.status_code == 409
        assert left.headers["content-type"] == "application/problem+json"
        assert "make someone else an owner first" in left.json()["detail"]
        demoted = owner.post(members, json={"email": "owner@example.org", "role": "admin"})
        assert demoted.status_code == 409
        handed_on = owner.post(members, json={"email": "admin@example.org", "role": "owner"})
        assert handed_on.status_code == 200
        assert owner.delete(f"{members}/{world.users['owner'].id}").status_code == 204
    assert _members(app, settings, world, "admin") == {
        "admin@example.org": "owner",
        "awarder@example.org": "awarder",
        "viewer@example.org": "viewer",
    }
