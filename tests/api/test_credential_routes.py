"""Public credential and status-list URLs, verified through what the app serves.

The verifier fetches status lists from the app itself (TestClient behind the fetcher),
exactly as a remote verifier following ``statusListCredential`` would.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from credstack.core.errors import FetchError
from credstack.core.inputs import parse_input
from credstack.core.verify import VerifyOptions, verify
from credstack.services.context import ServiceContext
from credstack.services.revocation.revoke import revoke
from credstack.settings import Settings
from credstack.store.models import Award
from issued_awards import issue, new_achievement, new_issuer

START = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def ctx(settings: Settings) -> ServiceContext:
    """The app's own context (same base URL and master secret), with a ticking clock."""
    ticks = itertools.count()
    return replace(
        ServiceContext.from_settings(settings), clock=lambda: START + timedelta(seconds=next(ticks))
    )


@pytest.fixture
def client(app: object) -> TestClient:
    return TestClient(app)  # type: ignore[arg-type]


@pytest.fixture
def award(db: Session, ctx: ServiceContext) -> Award:
    org = new_issuer(db, ctx)
    return issue(db, ctx, org, new_achievement(db, org))


def served_by(client: TestClient) -> Callable[[str], bytes]:
    """A fetcher answering http://127.0.0.1:8000/... from the app, and nothing else."""

    def fetch(url: str) -> bytes:
        parts = urlsplit(url)
        if parts.netloc != "127.0.0.1:8000":
            raise FetchError(f"{url} is not served by this test")
        response = client.get(parts.path)
        if response.status_code != 200:
            raise FetchError(f"{url} answered {response.status_code}")
        return response.content

    return fetch


def checks_of(client: TestClient, data: bytes) -> dict[str, str]:
    report = verify(
        data,
        input_name="download",
        options=VerifyOptions(
            now=datetime.now(UTC) + timedelta(minutes=1), fetch=served_by(client)
        ),
    )
    return {c.id: c.status.value for c in report.checks} | {"verified": str(report.verified)}


@pytest.mark.parametrize(
    ("suffix", "media_type", "form"),
    [
        (".json", "application/json", "json"),
        ("", "application/json", "json"),
        (".jwt", "application/jwt", "jwt"),
        (".png", "image/png", "png"),
        (".svg", "image/svg+xml", "svg"),
    ],
)
def test_every_form_is_served_and_verifies_against_the_served_status_list(
    client: TestClient, award: Award, suffix: str, media_type: str, form: str
) -> None:
    response = client.get(f"/credentials/{award.id}{suffix}")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert parse_input(response.content).format == form
    checks = checks_of(client, response.content)
    assert checks["verified"] == "True", json.dumps(checks)
    assert checks["status"] == "pass"


def test_json_is_the_signed_text_byte_for_byte(client: TestClient, award: Award) -> None:
    assert client.get(f"/credentials/{award.id}.json").content == award.credential.encode()
    ld = client.get(f"/credentials/{award.id}", headers={"Accept": "application/ld+json"})
    assert ld.headers["content-type"].startswith("application/ld+json")


def test_revocation_shows_in_the_next_status_list_request(
    client: TestClient, db: Session, ctx: ServiceContext, award: Award
) -> None:
    before = client.get(f"/credentials/{award.id}.json").content
    assert checks_of(client, before)["status"] == "pass"

    revoke(db, ctx, award.id, "issued in error")

    checks = checks_of(client, before)
    assert checks["verified"] == "False"
    assert [c for c, status in checks.items() if status == "fail"] == ["status"]


def test_status_list_cache_headers_and_conditional_requests(
    client: TestClient, db: Session, ctx: ServiceContext, award: Award
) -> None:
    path = f"/status/{award.status_list_id}"
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=300"
    assert first.headers["last-modified"].endswith("GMT")
    tag = first.headers["etag"]
    assert json.loads(first.content)["id"] == f"http://127.0.0.1:8000{path}"

    unchanged = client.get(path, headers={"If-None-Match": tag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert client.get(path).content == first.content  # cached: not re-signed

    revoke(db, ctx, award.id, "issued in error")
    changed = client.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    assert changed.content != first.content


def test_unknown_ids_are_rfc9457_problems(client: TestClient) -> None:
    for path in ("/credentials/nope.json", "/credentials/nope", "/status/nope"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 404
