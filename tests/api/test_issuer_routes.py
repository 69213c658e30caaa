"""Public issuer URLs, and verification of our credentials through the did.json we serve.

The verifier here fetches the issuer's DID document from the app itself (FastAPI's
TestClient behind the fetcher), exactly as a remote verifier resolving our did:web would.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from credstack.app import create_app
from credstack.core.credential import build_achievement_credential
from credstack.core.dids import did_web_to_url
from credstack.core.errors import FetchError
from credstack.core.keys import Ed25519KeyPair
from credstack.core.proofs import sign_data_integrity
from credstack.core.report import CheckStatus
from credstack.core.schemas import validate_profile
from credstack.core.verify import VerifyOptions, verify
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import active_signer, rotate_key
from credstack.services.issuers.profiles import create_issuer, issuer_profile_json
from credstack.services.revocation.key_compromise import compromise_key
from credstack.settings import Settings
from credstack.store.models import Organization

BASE_URL = "https://badges.example"
MASTER = b"issuer-route-tests-master-secret-012345"
PNG_HEADER = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def ticking_clock() -> Callable[[], datetime]:
    start = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    ticks = itertools.count()
    return lambda: start + timedelta(seconds=next(ticks))


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return ServiceContext(
        base_url=BASE_URL, master_secret=MASTER, home=tmp_path, clock=ticking_clock()
    )


@pytest.fixture
def client(settings: Settings, engine: Engine, sessions: sessionmaker[Session]) -> TestClient:
    """The app under an https base URL (so issuers get a did:web), on the test transaction."""
    https_settings = settings.model_copy(update={"base_url": BASE_URL})
    return TestClient(create_app(https_settings, engine=engine, sessions=sessions))


def served_by(client: TestClient) -> Callable[[str], bytes]:
    """A fetcher that answers https://badges.example/... from the app, and nothing else."""

    def fetch(url: str) -> bytes:
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.netloc != "badges.example":
            raise FetchError(f"{url} is not served by this test")
        response = client.get(parts.path)
        if response.status_code != 200:
            raise FetchError(f"{url}: HTTP {response.status_code}")
        body: bytes = response.content
        return body

    return fetch


def new_issuer(db: Session, ctx: ServiceContext, **extra: Any) -> Organization:
    org = create_issuer(
        db,
        ctx,
        name="Acme Academy",
        type="training provider",
        url="https://acme.example",
        country="BE",
        region="Flanders",
        **extra,
    )
    db.commit()
    return org


def signed_by_active_key(db: Session, ctx: ServiceContext, org: Organization) -> dict[str, Any]:
    signer = active_signer(db, ctx, org.id)
    assert isinstance(signer.key_pair, Ed25519KeyPair)
    unsigned = build_achievement_credential(
        credential_id=ctx.url("/credentials/" + signer.key_id),
        issuer=issuer_profile_json(ctx, org),
        achievement={
            "id": ctx.url("/achievements/a1"),
            "type": ["Achievement"],
            "name": "Welding safety",
            "description": "Works safely with MIG welding equipment.",
            "criteria": {"narrative": "Observed practical assessment."},
        },
        recipient_email="learner@example.org",
        recipient_name="Ada Learner",
        salt="fedcba9876543210",
        valid_from=ctx.now(),
    )
    return sign_data_integrity(
        unsigned, signer.key_pair, signer.verification_method, created=ctx.now()
    )


def checks_of(
    credential: dict[str, Any], client: TestClient, ctx: ServiceContext
) -> dict[str, Any]:
    report = verify(
        json.dumps(credential),
        input_name="credential",
        options=VerifyOptions(now=ctx.now() + timedelta(days=1), fetch=served_by(client)),
    )
    return {"verified": report.verified} | {c.id: (c.status, c.message) for c in report.checks}


def test_profile_is_served_as_json_ld_with_the_did_as_id(
    db: Session, ctx: ServiceContext, client: TestClient
) -> None:
    org = new_issuer(db, ctx, image=PNG_HEADER, email="hello@acme.example")
    response = client.get("/issuers/acme-academy", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    profile = response.json()
    assert profile["id"] == org.did == "did:web:badges.example:issuers:acme-academy"
    assert profile["address"]["addressCountryCode"] == "BE"
    assert profile["image"]["id"] == BASE_URL + "/issuers/acme-academy/image"
    assert validate_profile(profile) == []
    plain = client.get("/issuers/acme-academy")
    assert plain.headers["content-type"].startswith("application/json")


def test_logo_is_served_with_its_type_and_sandboxed(
    db: Session, ctx: ServiceContext, client: TestClient
) -> None:
    new_issuer(db, ctx, image=PNG_HEADER)
    response = client.get("/issuers/acme-academy/image")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == PNG_HEADER
    assert "sandbox" in response.headers["content-security-policy"]


def test_unknown_issuer_is_a_problem_json_404(client: TestClient) -> None:
    for path in ("/issuers/nobody", "/issuers/nobody/did.json", "/issuers/nobody/image"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == "no issuer with slug 'nobody'"
        assert response.json()["type"] == "urn:credstack:problem:not-found"


def test_issuer_without_a_logo_has_no_image_url(
    db: Session, ctx: ServiceContext, client: TestClient
) -> None:
    new_issuer(db, ctx)
    assert "image" not in client.get("/issuers/acme-academy").json()
    response = client.get("/issuers/acme-academy/image")
    assert response.status_code == 404
    assert response.json()["detail"] == "issuer 'acme-academy' has no image"


def test_did_json_is_at_the_url_the_did_web_resolves_to(
    db: Session, ctx: ServiceContext, client: TestClient
) -> None:
    org = new_issuer(db, ctx)
    url = did_web_to_url(org.did or "")
    assert url == BASE_URL + "/issuers/acme-academy/did.json"
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    document = response.json()
    assert document["id"] == org.did
    assert document["assertionMethod"] == [active_signer(db, ctx, org.id).verification_method]
    asked = client.get(urlsplit(url).path, headers={"Accept": "application/did+json"})
    assert asked.headers["content-type"].startswith("application/did+json")


def test_a_credential_signed_before_a_rotation_still_verifies_after_it(
    db: Session, ctx: ServiceContext, client: TestClient
) -> None:
    org = new_issuer(db, ctx)
    before = signed_by_active_key(db, ctx, org)
    assert checks_of(before, client, ctx)["verified"]
    rotate_key(db, ctx, org.slug)
    db.commit()
    after = signed_by_active_key(db, ctx, org)
    for credential in (before, after):
        checks = checks_of(credential, client, ctx)
        assert checks["issuer-key"][0] is CheckStatus.PASS, checks["issuer-key"]
        assert checks["verified"] is True


def test_a_credential_signed_by_a_compromised_did_web_key_fails(
    db: Session, ctx: ServiceContext, client: TestClient
) -> None:
    org = new_issuer(db, ctx)
    doomed = signed_by_active_key(db, ctx, org)
    compromised_vm = doomed["proof"][0]["verificationMethod"]
    result = compromise_key(
        db, ctx, org.slug, compromised_vm.partition("#")[2], principal=Principal.operator()
    )
    db.commit()
    fresh = signed_by_active_key(db, ctx, org)

    checks = checks_of(doomed, client, ctx)
    assert checks["verified"] is False
    # the key is gone from the DID document, so it cannot be resolved to the issuer:
    # today the core reports that under "proof" (and skips "issuer-key")
    failed = {
        check: outcome[1]
        for check, outcome in checks.items()
        if check != "verified" and outcome[0] is CheckStatus.FAIL
    }
    assert set(failed) and set(failed) <= {"proof", "issuer-key"}
    assert any(
        f"{compromised_vm} is not a verification method listed in {org.did}" in message
        for message in failed.values()
    )
    assert checks["issuer-key"][0] is not CheckStatus.PASS
    assert checks_of(fresh, client, ctx)["verified"] is True
    assert result.replacement is not None
