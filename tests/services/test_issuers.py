"""Issuer profiles: checked fields, the DID each base URL gives, sealed keys, documents."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.dids import did_key_for, did_web_to_url
from credstack.core.errors import ConflictError, NotFoundError, ValidationError
from credstack.core.schemas import validate_profile
from credstack.services.audit import list_events
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import active_signer, list_keys
from credstack.services.issuers.organizations import organization_by_slug
from credstack.services.issuers.profiles import (
    create_issuer,
    did_document,
    issuer_profile_json,
    list_issuers,
    profile_url,
    slug_from_name,
)
from credstack.services.issuers.sealing import unseal
from credstack.store.models import KeyState, Organization, OrganizationType, SigningKey

MASTER = b"issuer-tests-master-secret-0123456789"
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5ad71540000000049454e44ae426082"
)


def ticking_clock() -> Callable[[], datetime]:
    """A clock that moves one second per reading: deterministic and strictly ordered."""
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    ticks = itertools.count()
    return lambda: start + timedelta(seconds=next(ticks))


def context(base_url: str, home: Path) -> ServiceContext:
    return ServiceContext(base_url=base_url, master_secret=MASTER, home=home, clock=ticking_clock())


@pytest.fixture
def http_ctx(tmp_path: Path) -> ServiceContext:
    return context("http://127.0.0.1:8000", tmp_path)


@pytest.fixture
def https_ctx(tmp_path: Path) -> ServiceContext:
    return context("https://credentials.example.org:8443", tmp_path)


def make_issuer(db: Session, ctx: ServiceContext, **overrides: Any) -> Organization:
    fields: dict[str, Any] = {
        "name": "Hogeschool Utrecht",
        "type": "university",
        "url": "https://www.hu.nl",
        "country": "nl",
        "region": "Utrecht",
        "email": "badges@hu.example",
        "description": "University of applied sciences.",
    }
    fields.update(overrides)
    return create_issuer(db, ctx, **fields)


def test_http_base_url_gives_the_issuer_the_did_key_of_its_first_key(
    db: Session, http_ctx: ServiceContext
) -> None:
    org = make_issuer(db, http_ctx)
    (key,) = list_keys(db, org.slug)
    assert org.slug == "hogeschool-utrecht"
    assert org.did == did_key_for(key.public_multibase or "")
    assert key.id == key.public_multibase and key.state is KeyState.ACTIVE
    assert org.country == "NL" and org.type is OrganizationType.UNIVERSITY


def test_https_base_url_gives_a_did_web_under_it_with_the_port_encoded(
    db: Session, https_ctx: ServiceContext
) -> None:
    org = make_issuer(db, https_ctx, slug="hu")
    assert org.did == "did:web:credentials.example.org%3A8443:issuers:hu"
    assert did_web_to_url(org.did) == "https://credentials.example.org:8443/issuers/hu/did.json"
    signer = active_signer(db, https_ctx, org.id)
    assert signer.issuer_id == org.did
    assert signer.verification_method.startswith(org.did + "#key-")


def test_private_key_is_sealed_not_stored_in_clear(db: Session, http_ctx: ServiceContext) -> None:
    org = make_issuer(db, http_ctx)
    signer = active_signer(db, http_ctx, org.id)
    row = db.scalars(select(SigningKey).where(SigningKey.organization_id == org.id)).one()
    seed = signer.key_pair.seed()  # type: ignore[union-attr]
    assert seed not in row.encrypted_secret
    assert unseal(MASTER, row.id, row.encrypted_secret) == seed
    assert "seed" not in repr(signer) and seed.hex() not in repr(signer)


def test_every_bad_field_is_reported_at_once_with_what_to_do(
    db: Session, http_ctx: ServiceContext
) -> None:
    with pytest.raises(ValidationError) as caught:
        make_issuer(
            db,
            http_ctx,
            name="",
            type="school",
            url="ftp://files.example",
            country="UK",
            email="not-an-address",
            linkedin_organization_id="acme-inc",
            slug="Bad Slug!",
        )
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "name",
        "type",
        "url",
        "country",
        "email",
        "linkedin organization id",
        "slug",
    ]
    assert "did you mean GB?" in caught.value.message
    assert "university, association, company, training_provider, other" in caught.value.message


def test_country_must_be_an_assigned_iso_code_not_just_two_letters(
    db: Session, http_ctx: ServiceContext
) -> None:
    with pytest.raises(ValidationError, match="'ZZ' is not an ISO 3166-1 alpha-2"):
        make_issuer(db, http_ctx, country="ZZ")


def test_training_provider_may_be_written_as_words(db: Session, http_ctx: ServiceContext) -> None:
    org = make_issuer(db, http_ctx, type="Training Provider", name="Code Academy")
    assert org.type is OrganizationType.TRAINING_PROVIDER


def test_slug_is_derived_from_the_name_in_ascii() -> None:
    assert slug_from_name("Université d'Été — Lyon 2") == "universite-d-ete-lyon-2"
    assert len(slug_from_name("x" * 100)) == 64


def test_a_taken_slug_is_a_conflict_that_says_how_to_resolve_it(
    db: Session, http_ctx: ServiceContext
) -> None:
    make_issuer(db, http_ctx)
    with pytest.raises(ConflictError, match="choose another with --slug"):
        make_issuer(db, http_ctx, name="Hogeschool  Utrecht")


def test_image_is_sniffed_and_a_wrong_declared_type_refused(
    db: Session, http_ctx: ServiceContext
) -> None:
    org = make_issuer(db, http_ctx, image=PNG_1X1)
    assert org.image_mime == "image/png"
    with pytest.raises(ValidationError, match="declared as image/svg\\+xml but its content is"):
        make_issuer(db, http_ctx, slug="other", image=PNG_1X1, image_mime="image/svg+xml")
    with pytest.raises(ValidationError, match="not a PNG, JPEG or SVG"):
        make_issuer(db, http_ctx, slug="third", image=b"GIF89a....")


def test_profile_is_a_valid_ob3_profile_with_the_did_as_id(
    db: Session, https_ctx: ServiceContext
) -> None:
    org = make_issuer(db, https_ctx, image=PNG_1X1)
    profile = issuer_profile_json(https_ctx, org)
    assert profile["id"] == org.did
    assert profile["type"] == ["Profile"]
    assert profile["image"]["id"] == (
        "https://credentials.example.org:8443/issuers/hogeschool-utrecht/image"
    )
    assert profile["address"] == {
        "type": ["Address"],
        "addressCountryCode": "NL",
        "addressRegion": "Utrecht",
    }
    assert profile["email"] == "badges@hu.example"
    assert validate_profile(profile) == []
    assert profile_url(https_ctx, org) == (
        "https://credentials.example.org:8443/issuers/hogeschool-utrecht"
    )


def test_get_and_list_issuers(db: Session, http_ctx: ServiceContext) -> None:
    first = make_issuer(db, http_ctx, name="Zeta Training", type="training_provider")
    second = make_issuer(db, http_ctx, name="Alpha Association", type="association")
    assert organization_by_slug(db, "zeta-training").id == first.id
    slugs = [org.slug for org in list_issuers(db)]
    assert slugs.index("alpha-association") < slugs.index("zeta-training")
    assert second.did != first.did
    with pytest.raises(NotFoundError, match="credstack issuer list"):
        organization_by_slug(db, "nobody")


def test_did_web_document_authorises_the_key_for_assertions(
    db: Session, https_ctx: ServiceContext
) -> None:
    org = make_issuer(db, https_ctx)
    signer = active_signer(db, https_ctx, org.id)
    document = did_document(db, org)
    assert document["id"] == org.did
    assert [m["id"] for m in document["verificationMethod"]] == [signer.verification_method]
    assert document["assertionMethod"] == [signer.verification_method]
    assert document["authentication"] == [signer.verification_method]


def test_did_key_issuer_document_is_the_did_key_expansion(
    db: Session, http_ctx: ServiceContext
) -> None:
    org = make_issuer(db, http_ctx)
    signer = active_signer(db, http_ctx, org.id)
    document = did_document(db, org)
    assert document["id"] == org.did
    assert document["assertionMethod"] == [signer.verification_method]


def test_creation_is_in_the_audit_log_with_the_key(db: Session, http_ctx: ServiceContext) -> None:
    org = make_issuer(db, http_ctx)
    kinds = [e.kind for e in list_events(db, organization_id=org.id)]
    assert sorted(kinds) == ["issuer.created", "key.created"]
