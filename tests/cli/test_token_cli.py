"""``credstack token create|list|revoke``: organisation tokens that work on the API.

A token made by the operator has no person behind it; it acts for its organisation
within its scopes, exactly as the API's authorisation rules say, and stops at revocation.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run
from fastapi.testclient import TestClient

from credstack.app import create_app
from credstack.settings import load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"
ISSUER = [
    *("issuer", "create", "--name", "Example University", "--type", "university"),
    *("--url", "https://www.example-university.eu", "--country", "NL", "--slug", "exu"),
]


def create_token(capsys: pytest.CaptureFixture[str], *scopes: str) -> dict[str, object]:
    options = [part for scope in scopes for part in ("--scope", scope)]
    code, out, err = run(
        capsys, "token", "create", "--issuer", "exu", *options, "--name", "lms", "--json"
    )
    assert code == 0, err
    created: dict[str, object] = json.loads(out)
    return created


def issuer_with_achievement(capsys: pytest.CaptureFixture[str]) -> str:
    """Issuer ``exu`` with the example micro-credential published; returns its id."""
    assert run(capsys, *ISSUER)[0] == 0
    code, out, err = run(
        capsys, "achievement", "create", "--issuer", "exu", "--file", str(EXAMPLE), "--publish",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    achievement_id: str = json.loads(out)["id"]
    return achievement_id


def api() -> TestClient:
    return TestClient(create_app(load_settings()))


def test_an_award_token_made_by_the_cli_awards_on_the_api(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    achievement_id = issuer_with_achievement(capsys)
    created = create_token(capsys, "award")
    assert set(created) == {"id", "token", "scopes"}
    assert created["scopes"] == ["award"]
    secret = str(created["token"])
    assert secret.startswith("cst_")
    headers = {"Authorization": f"Bearer {secret}"}
    with api() as client:
        mine = client.get("/api/v1/organizations", headers=headers).json()["items"]
        assert [(o["slug"], o["role"]) for o in mine] == [("exu", "awarder")]
        body = {"achievement_id": achievement_id, "email": "ada@example.org", "name": "Ada"}
        awarded = client.post("/api/v1/awards", json=body, headers=headers)
        assert awarded.status_code == 201, awarded.text
        tokens_route = f"/api/v1/organizations/{mine[0]['id']}/tokens"
        refused = client.post(tokens_route, json={"name": "x", "scopes": ["read"]}, headers=headers)
        assert refused.status_code == 403


def test_a_read_token_reads_but_may_not_award(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    achievement_id = issuer_with_achievement(capsys)
    headers = {"Authorization": f"Bearer {create_token(capsys, 'read')['token']}"}
    with api() as client:
        (org,) = client.get("/api/v1/organizations", headers=headers).json()["items"]
        assert client.get(f"/api/v1/organizations/{org['id']}", headers=headers).status_code == 200
        body = {"achievement_id": achievement_id, "email": "ada@example.org", "name": "Ada"}
        refused = client.post("/api/v1/awards", json=body, headers=headers)
        assert refused.status_code == 403
        assert "scope 'award' or 'admin'" in refused.json()["detail"]


def test_list_and_revoke(cli_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, *ISSUER)[0] == 0
    created = create_token(capsys, "admin", "read")
    assert created["scopes"] == ["admin", "read"]
    code, out, _ = run(capsys, "token", "list", "--issuer", "exu", "--json")
    assert code == 0
    (row,) = map(json.loads, out.splitlines())
    assert row["id"] == created["id"] and row["made_by"] == "operator"
    assert row["issuer"] == "exu" and row["revoked"] is None
    assert str(created["token"]) not in out
    code, out, _ = run(capsys, "token", "revoke", str(created["id"]), "--json")
    assert code == 0 and json.loads(out)["revoked"]
    headers = {"Authorization": f"Bearer {created['token']}"}
    with api() as client:
        assert client.get("/api/v1/organizations", headers=headers).status_code == 401
    code, _, err = run(capsys, "token", "revoke", str(created["id"]))
    assert code == 1 and "already revoked" in err


def test_bad_scopes_and_unknown_issuers_are_refused(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, *ISSUER)[0] == 0
    code, _, err = run(capsys, "token", "create", "--issuer", "exu", "--scope", "root")
    assert code == 1 and "unknown root; use read, award, admin" in err
    code, _, err = run(capsys, "token", "create", "--issuer", "nobody", "--scope", "read")
    assert code == 1 and "no issuer with slug 'nobody'" in err
    assert run(capsys, "token", "create", "--issuer", "exu")[0] == 2  # --scope is required
