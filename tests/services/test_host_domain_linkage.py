"""What Credstack serves at ``/.well-known/did-configuration.json`` for the issuers it hosts."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from credstack.core.domain_linkage import check_did_configuration
from credstack.core.verify_proof import KeyResolver
from credstack.services.issuers.domain_linkage import host_configuration
from credstack.services.issuers.profiles import did_document
from credstack.services.issuers.trust import verify_issuer
from issued_awards import make_context, new_issuer

BASE = "https://badges.example"


def test_the_host_origin_links_only_the_verified_did_web_issuers(
    db: Session, tmp_path: Path
) -> None:
    ctx = make_context(tmp_path, base_url=BASE)
    verified = new_issuer(db, ctx, "verified")
    unverified = new_issuer(db, ctx, "signed-up")
    assert host_configuration(db, ctx) is None  # nobody vouched for anyone yet
    verify_issuer(db, ctx, verified)
    document = host_configuration(db, ctx)
    assert document is not None and len(document["linked_dids"]) == 1
    documents = {
        f"{BASE}/issuers/{org.slug}/did.json": json.dumps(did_document(db, org)).encode()
        for org in (verified, unverified)
    }
    data = json.dumps(document).encode()
    for org, linked in ((verified, True), (unverified, False)):
        assert org.did is not None and org.did.startswith("did:web:badges.example:issuers:")
        result = check_did_configuration(
            data,
            origin=BASE,
            did=org.did,
            resolve=KeyResolver(documents.__getitem__),
            now=ctx.now(),
        )
        assert result.linked is linked, result.message


def test_no_configuration_without_an_https_base_url(
    db: Session, tmp_path: Path, app: FastAPI
) -> None:
    ctx = make_context(tmp_path)
    verify_issuer(db, ctx, new_issuer(db, ctx))
    assert host_configuration(db, ctx) is None
    response = TestClient(app).get("/.well-known/did-configuration.json")
    assert response.status_code == 404
    assert "links no issuer to its origin" in response.json()["detail"]
