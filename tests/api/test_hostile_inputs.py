"""Inputs that answered 500 once (found by ``test_openapi_fuzz``), each replayed as sent.

The fuzzer may not draw the same input again, so every case it found is kept here:
a cursor this API never made, text with a NUL character (PostgreSQL cannot store it),
the HTTP details it caught (``Allow`` on a 405, an empty ``Authorization`` header), and
a definition nested thousands deep (found by hand while replaying them).
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from v1_world import World, bearer_client, build_world, cursor_of, full_token, session_client

from credstack.settings import Settings
from credstack.store.nul_guard import NUL_REFUSED

CURSOR_REFUSED = "the cursor is not one this API returned: follow the 'next' link"


@pytest.fixture
def world(db: Session, settings: Settings) -> World:
    return build_world(db, settings)


@pytest.fixture
def client(app: FastAPI, db: Session, world: World) -> TestClient:
    """A client with a token of every scope (a 500 raises in the test: no quiet pass)."""
    return bearer_client(app, full_token(db, world).secret)


#: cursors this API never made: past a 64-bit OFFSET, more digits than ``int`` reads,
#: negative, not digits, a digit that is not ASCII
FOREIGN_OFFSETS = ("9" * 30, "9" * 5000, "-1", "1e3", "\u0663")


@pytest.mark.parametrize("listing", ["awards", "achievements", "learners", "members", "tokens"])
def test_a_cursor_this_api_never_made_is_refused(
    app: FastAPI, settings: Settings, world: World, listing: str
) -> None:
    # a person: tokens and members are listed to people only
    person = session_client(app, settings, world.users["owner"])
    for offset in FOREIGN_OFFSETS:
        url = f"/api/v1/organizations/{world.home.id}/{listing}?cursor={cursor_of(offset)}"
        response = person.get(url)
        assert response.status_code == 400, (offset[:12], response.text)
        assert response.json()["detail"] == CURSOR_REFUSED


def test_the_largest_cursor_still_pages(client: TestClient, world: World) -> None:
    response = client.get(
        f"/api/v1/organizations/{world.home.id}/awards?cursor={cursor_of(str(2**53))}"
    )
    assert response.status_code == 200
    assert response.json() == {"items": [], "next": None}


#: public documents and API reads, each asked for with a NUL in its path or query
NUL_PATHS = (
    "/issuers/%00",
    "/issuers/%00/did.json",
    "/achievements/%00",
    "/credentials/%00.json",
    "/credentials/a%00b",
    "/status/%00",
    "/api/v1/awards/%00",
    "/api/v1/achievements/%00",
    "/api/v1/credentials/%00",
    "/api/v1/organizations/{home}/awards?email=%00",
    "/api/v1/organizations/{home}/awards?achievement_id=a%00b",
)


def test_a_nul_in_a_path_or_query_is_refused(client: TestClient, world: World) -> None:
    for path in NUL_PATHS:
        response = client.get(path.format(home=world.home.id))
        assert response.status_code == 400, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == NUL_REFUSED


def test_a_nul_in_an_award_body_is_refused(client: TestClient) -> None:
    body = {"achievement_id": "a\x00b", "email": "lena@example.org", "name": "Lena"}
    response = client.post("/api/v1/awards", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == NUL_REFUSED


def test_a_nul_in_a_revocation_reason_is_refused_and_nothing_is_revoked(
    client: TestClient, world: World
) -> None:
    response = client.post(f"/api/v1/awards/{world.home.award}/revoke", json={"reason": "\x00"})
    assert response.status_code == 400, response.text
    assert client.get(f"/api/v1/awards/{world.home.award}").json()["state"] == "issued"


def test_a_nul_in_a_token_name_is_refused(app: FastAPI, settings: Settings, world: World) -> None:
    person = session_client(app, settings, world.users["owner"])
    response = person.post(
        f"/api/v1/organizations/{world.home.id}/tokens", json={"name": "\x00", "scopes": ["read"]}
    )
    assert response.status_code == 400, response.text
    names = [
        t["name"]
        for t in person.get(f"/api/v1/organizations/{world.home.id}/tokens").json()["items"]
    ]
    assert "\x00" not in names


def test_a_405_allows_every_method_of_the_path(client: TestClient) -> None:
    response = client.request("OPTIONS", "/api/v1/organizations")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


def test_an_empty_authorization_header_is_refused_even_with_a_session(
    app: FastAPI, settings: Settings, world: World
) -> None:
    person = session_client(app, settings, world.users["owner"])
    assert person.get("/api/v1/organizations").status_code == 200
    response = person.get("/api/v1/organizations", headers={"Authorization": ""})
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_a_definition_nested_thousands_deep_is_refused(client: TestClient, world: World) -> None:
    deep = ("[" * 5000 + "]" * 5000).encode("ascii")
    for method, url in [
        ("POST", f"/api/v1/organizations/{world.home.id}/achievements"),
        ("PUT", f"/api/v1/achievements/{world.home.draft}"),
    ]:
        response = client.request(
            method, url, content=deep, headers={"Content-Type": "application/yaml"}
        )
        assert response.status_code == 400, (method, response.text)
        assert "nested too deeply" in response.json()["detail"]
