"""The authorisation matrix: every role x every /api/v1 route x own and other organisation.

A member may do what the role table of ``services.accounts.authz`` allows (else 403); nobody sees
another organisation's things (404, as for an id that does not exist); anonymous callers
get 401. Each case runs on a fresh world inside a rolled-back transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Connection
from sqlalchemy.orm import Session
from v1_world import EXAMPLE, Org, World, build_world, session_client

from credstack.services.accounts.authz import MINIMUM_ROLE, ROLE_RANK, Action
from credstack.settings import Settings
from credstack.store.models import Role

CSV = b"email,name\nnew.person@example.org,New Person\n"


@dataclass(frozen=True)
class Route:
    method: str
    path: Callable[[Org], str]
    action: Action
    ok: int = 200
    request: Callable[[World, Org], dict[str, Any]] = lambda world, org: {}


ROUTES: dict[str, Route] = {
    "get organisation": Route("GET", lambda o: f"/api/v1/organizations/{o.id}", Action.VIEW),
    "list members": Route("GET", lambda o: f"/api/v1/organizations/{o.id}/members", Action.VIEW),
    "add member": Route(
        "POST", lambda o: f"/api/v1/organizations/{o.id}/members", Action.MANAGE_MEMBERS,
        request=lambda w, o: {"json": {"email": w.users["newcomer"].email, "role": "viewer"}},
    ),
    "create token": Route(
        "POST", lambda o: f"/api/v1/organizations/{o.id}/tokens", Action.MANAGE_TOKENS, 201,
        request=lambda w, o: {"json": {"name": "lms", "scopes": ["read"]}},
    ),
    "list tokens": Route(
        "GET", lambda o: f"/api/v1/organizations/{o.id}/tokens", Action.MANAGE_TOKENS
    ),
    "revoke token": Route(
        "DELETE", lambda o: f"/api/v1/organizations/{o.id}/tokens/{o.token}", Action.MANAGE_TOKENS
    ),
    "list achievements": Route(
        "GET", lambda o: f"/api/v1/organizations/{o.id}/achievements", Action.VIEW
    ),
    "create achievement": Route(
        "POST", lambda o: f"/api/v1/organizations/{o.id}/achievements",
        Action.EDIT_ACHIEVEMENTS, 201,
        request=lambda w, o: {
            "content": EXAMPLE.read_bytes(), "headers": {"Content-Type": "application/yaml"}
        },
    ),
    "get achievement": Route("GET", lambda o: f"/api/v1/achievements/{o.achievement}", Action.VIEW),
    "update achievement": Route(
        "PUT", lambda o: f"/api/v1/achievements/{o.achievement}", Action.EDIT_ACHIEVEMENTS,
        request=lambda w, o: {
            "content": EXAMPLE.read_bytes(), "headers": {"Content-Type": "text/yaml"}
        },
    ),
    "publish achievement": Route(
        "POST", lambda o: f"/api/v1/achievements/{o.draft}/publish", Action.EDIT_ACHIEVEMENTS
    ),
    "award": Route(
        "POST", lambda o: "/api/v1/awards", Action.AWARD, 201,
        request=lambda w, o: {"json": {
            "achievement_id": o.achievement, "email": "a@example.org", "name": "A Person"
        }},
    ),
    "list awards": Route("GET", lambda o: f"/api/v1/organizations/{o.id}/awards", Action.VIEW),
    "get award": Route("GET", lambda o: f"/api/v1/awards/{o.award}", Action.VIEW),
    "revoke award": Route(
        "POST", lambda o: f"/api/v1/awards/{o.award}/revoke", Action.REVOKE,
        request=lambda w, o: {"json": {"reason": "issued in error"}},
    ),
    "bulk upload": Route(
        "POST", lambda o: "/api/v1/awards/bulk", Action.AWARD, 202,
        request=lambda w, o: {
            "data": {"achievement_id": o.achievement}, "files": {"file": ("a.csv", CSV)}
        },
    ),
    "get credential": Route("GET", lambda o: f"/api/v1/credentials/{o.award}", Action.VIEW),
    "list learners": Route(
        "GET", lambda o: f"/api/v1/organizations/{o.id}/learners", Action.VIEW
    ),
}  # fmt: skip

CALLERS = ["owner", "admin", "awarder", "viewer", "anonymous"]


def _expected(caller: str, target: str, route: Route) -> int:
    if caller == "anonymous":
        return 401
    if target == "other":
        return 404
    allowed = ROLE_RANK[Role(caller)] >= ROLE_RANK[MINIMUM_ROLE[route.action]]
    return route.ok if allowed else 403


@pytest.mark.parametrize("route_name", list(ROUTES))
def test_authorisation_matrix(
    app: FastAPI, db: Session, connection: Connection, settings: Settings, route_name: str
) -> None:
    """Every caller x both organisations for one route; each call is rolled back after."""
    world = build_world(db, settings)
    route = ROUTES[route_name]
    wrong: list[str] = []
    for target, org in (("own", world.home), ("other", world.other)):
        for caller in CALLERS:
            user = None if caller == "anonymous" else world.users[caller]
            expected = _expected(caller, target, route)
            savepoint = connection.begin_nested()
            try:
                with session_client(app, settings, user) as client:
                    response = client.request(
                        route.method, route.path(org), **route.request(world, org)
                    )
                if response.status_code == 202:
                    app.state.bulk_jobs.get(response.json()["id"]).finished.wait(30)
            finally:
                savepoint.rollback()
            if response.status_code != expected:
                wrong.append(f"{caller} on {target}: {response.status_code} != {expected}")
            elif expected >= 400:
                assert response.headers["content-type"] == "application/problem+json"
    assert not wrong, f"{route.method} {route_name}: " + "; ".join(wrong)


def test_the_matrix_covers_every_v1_route(app: FastAPI) -> None:
    """A new /api/v1 route must be added to the matrix (verify and jobs are tested apart)."""
    declared = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/v1")
        for method in operations
    }
    apart = {("POST", "/api/v1/verify"), ("GET", "/api/v1/jobs/{job_id}"),
             ("GET", "/api/v1/organizations"), ("POST", "/api/v1/organizations"),
             # anyone may leave: tests/api/test_v1_members.py
             ("DELETE", "/api/v1/organizations/{organization_id}/members/{user_id}")}  # fmt: skip
    assert len(declared - apart) == len(ROUTES)
