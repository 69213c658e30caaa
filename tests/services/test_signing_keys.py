"""Signing keys: rotation and compromise under did:web and did:key (architecture §2).

(Named ``test_signing_keys`` because ``tests/core/test_keys.py`` already owns the module
name ``test_keys`` in pytest's flat test namespace.)
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from credstack.core.credential import build_achievement_credential
from credstack.core.dids import did_web_to_url
from credstack.core.errors import ConflictError, FetchError, NotFoundError, ValidationError
from credstack.core.keys import Ed25519KeyPair, RsaKeyPair
from credstack.core.proofs import sign_data_integrity
from credstack.core.proofs.vcjwt import sign_vc_jwt
from credstack.core.report import CheckStatus
from credstack.core.status_list import status_list_entry
from credstack.core.verify import VerifyOptions, verify
from credstack.services.accounts.users import Principal
from credstack.services.audit import list_events
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import (
    Signer,
    active_signer,
    add_rsa_key,
    list_keys,
    rotate_key,
    signer_for_did,
    signer_for_key,
)
from credstack.services.issuers.profiles import create_issuer, did_document, issuer_profile_json
from credstack.services.revocation.key_compromise import COMPROMISE_REASON, compromise_key
from credstack.services.status.lists import allocate, publish
from credstack.store.models import (
    Achievement,
    AchievementState,
    Award,
    AwardState,
    KeyAlgorithm,
    KeyState,
    Organization,
    StatusList,
)

MASTER = b"signing-key-tests-master-secret-0123456789"


def ticking_clock() -> Callable[[], datetime]:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    ticks = itertools.count()
    return lambda: start + timedelta(seconds=next(ticks))


@pytest.fixture
def key_ctx(tmp_path: Path) -> ServiceContext:
    """http base URL: issuers get a did:key."""
    return ServiceContext(
        base_url="http://127.0.0.1:8000", master_secret=MASTER, home=tmp_path, clock=ticking_clock()
    )


@pytest.fixture
def web_ctx(tmp_path: Path) -> ServiceContext:
    """https base URL: issuers get a did:web."""
    return ServiceContext(
        base_url="https://badges.example",
        master_secret=MASTER,
        home=tmp_path,
        clock=ticking_clock(),
    )


def new_issuer(db: Session, ctx: ServiceContext, slug: str = "acme") -> Organization:
    return create_issuer(
        db,
        ctx,
        name=f"Issuer {slug}",
        type="company",
        url="https://acme.example",
        country="DE",
        slug=slug,
    )


def unsigned_credential(
    ctx: ServiceContext,
    org: Organization,
    number: int = 1,
    status_entry: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A real, unsigned OB 3.0 credential of ``org``."""
    return build_achievement_credential(
        credential_id=ctx.url(f"/credentials/c{number}"),
        issuer=issuer_profile_json(ctx, org),
        achievement={
            "id": ctx.url("/achievements/a1"),
            "type": ["Achievement"],
            "name": "Data literacy",
            "description": "Reads and questions data.",
            "criteria": {"narrative": "Passed the assessed project."},
        },
        recipient_email=f"learner{number}@example.org",
        recipient_name="Ada Learner",
        salt="0123456789abcdef",
        valid_from=ctx.now(),
        status_entry=status_entry,
    )


def signed_credential(
    ctx: ServiceContext, org: Organization, signer: Signer, number: int = 1
) -> dict[str, Any]:
    """The credential signed with ``signer`` (eddsa-rdfc-2022)."""
    assert isinstance(signer.key_pair, Ed25519KeyPair)
    return sign_data_integrity(
        unsigned_credential(ctx, org, number),
        signer.key_pair,
        signer.verification_method,
        created=ctx.now(),
    )


def no_network(url: str) -> bytes:
    raise FetchError(f"{url}: no network in this test")


def verified_offline(credential: dict[str, Any], ctx: ServiceContext) -> dict[str, CheckStatus]:
    report = verify(
        json.dumps(credential),
        input_name="test",
        options=VerifyOptions(now=ctx.now() + timedelta(days=1), fetch=no_network),
    )
    return {check.id: check.status for check in report.checks} | {
        "verified": CheckStatus.PASS if report.verified else CheckStatus.FAIL
    }


def test_did_web_rotation_keeps_the_did_and_publishes_the_retired_key(
    db: Session, web_ctx: ServiceContext
) -> None:
    org = new_issuer(db, web_ctx)
    old = active_signer(db, web_ctx, org.id)
    new_key = rotate_key(db, web_ctx, "acme")
    assert org.did == "did:web:badges.example:issuers:acme"
    assert new_key.controller_did == org.did and new_key.state is KeyState.ACTIVE
    states = {key.id: key.state for key in list_keys(db, "acme")}
    assert states == {old.key_id: KeyState.RETIRED, new_key.id: KeyState.ACTIVE}
    document = did_document(db, org)
    assert document["assertionMethod"] == [old.verification_method, f"{org.did}#{new_key.id}"]
    assert document["authentication"] == [f"{org.did}#{new_key.id}"]
    assert active_signer(db, web_ctx, org.id).key_id == new_key.id


def test_did_key_rotation_gives_a_new_did_and_old_credentials_still_verify(
    db: Session, key_ctx: ServiceContext
) -> None:
    org = new_issuer(db, key_ctx)
    old_did = org.did
    old_signer = active_signer(db, key_ctx, org.id)
    before = signed_credential(key_ctx, org, old_signer)
    new_key = rotate_key(db, key_ctx, "acme")
    assert org.did != old_did and org.did == new_key.controller_did
    assert org.did == f"did:key:{new_key.id}"
    new_signer = active_signer(db, key_ctx, org.id)
    assert new_signer.issuer_id == org.did
    after = signed_credential(key_ctx, org, new_signer, number=2)
    assert before["issuer"]["id"] == old_did and after["issuer"]["id"] == org.did
    for credential in (before, after):
        checks = verified_offline(credential, key_ctx)
        assert checks["proof"] is CheckStatus.PASS
        assert checks["issuer-key"] is CheckStatus.PASS
        assert checks["verified"] is CheckStatus.PASS
    # the old DID's retired key can still sign what belongs to that DID (its status lists)
    assert signer_for_did(db, key_ctx, org.id, old_did or "").key_id == old_signer.key_id


def test_rotation_is_audited_with_the_retired_key(db: Session, web_ctx: ServiceContext) -> None:
    org = new_issuer(db, web_ctx)
    old = active_signer(db, web_ctx, org.id)
    new_key = rotate_key(db, web_ctx, "acme")
    (event,) = list_events(db, organization_id=org.id, kind_prefix="key.rotated")
    assert event.subject_id == new_key.id
    assert event.data["retired"] == [old.key_id]


def test_compromising_the_active_did_web_key_replaces_it_and_drops_it_from_the_document(
    db: Session, web_ctx: ServiceContext
) -> None:
    org = new_issuer(db, web_ctx)
    old = active_signer(db, web_ctx, org.id)
    result = compromise_key(db, web_ctx, "acme", old.key_id, principal=Principal.operator())
    assert result.key.state is KeyState.COMPROMISED
    assert result.replacement is not None and result.replacement.state is KeyState.ACTIVE
    assert result.revoked_award_ids == ()
    document = did_document(db, org)
    published = [method["id"] for method in document["verificationMethod"]]
    assert published == [f"{org.did}#{result.replacement.id}"]
    assert old.verification_method not in json.dumps(document)
    assert active_signer(db, web_ctx, org.id).key_id == result.replacement.id
    with pytest.raises(ConflictError, match="compromised and must not sign"):
        signer_for_key(db, web_ctx, old.key_id)
    with pytest.raises(ConflictError, match="already marked compromised"):
        compromise_key(db, web_ctx, "acme", old.key_id, principal=Principal.operator())


def test_compromising_a_retired_did_web_key_needs_no_replacement(
    db: Session, web_ctx: ServiceContext
) -> None:
    org = new_issuer(db, web_ctx)
    old = active_signer(db, web_ctx, org.id)
    current = rotate_key(db, web_ctx, "acme")
    result = compromise_key(db, web_ctx, "acme", old.key_id, principal=Principal.operator())
    assert result.replacement is None
    assert did_document(db, org)["assertionMethod"] == [f"{org.did}#{current.id}"]


def test_a_key_of_another_issuer_cannot_be_compromised_through_this_one(
    db: Session, web_ctx: ServiceContext
) -> None:
    new_issuer(db, web_ctx, "acme")
    other = new_issuer(db, web_ctx, "other")
    other_key = active_signer(db, web_ctx, other.id).key_id
    with pytest.raises(NotFoundError, match="issuer acme has no key"):
        compromise_key(db, web_ctx, "acme", other_key, principal=Principal.operator())


def _award(
    db: Session, org: Organization, credential: dict[str, Any], status_list: StatusList, index: int
) -> Award:
    achievement = db.get(Achievement, "ach-" + org.slug)
    if achievement is None:
        achievement = Achievement(
            id="ach-" + org.slug,
            organization_id=org.id,
            lineage_id="lin-" + org.slug,
            name="Data literacy",
            definition={},
            state=AchievementState.PUBLISHED,
        )
        db.add(achievement)
    award = Award(
        id=f"{org.slug}-award-{index}",
        achievement_id=achievement.id,
        achievement_lineage_id=achievement.lineage_id,
        organization_id=org.id,
        recipient_email=f"learner{index}@example.org",
        recipient_name="Ada Learner",
        external_id="",
        credential=json.dumps(credential),
        status_list_id=status_list.id,
        status_index=index,
        valid_from=datetime(2026, 3, 1, tzinfo=UTC),
    )
    db.add(award)
    db.flush()
    return award


def test_did_key_compromise_revokes_exactly_the_awards_that_key_signed(
    db: Session, key_ctx: ServiceContext
) -> None:
    org = new_issuer(db, key_ctx)
    status_list = StatusList(id="list-acme", organization_id=org.id, url_path="/status/list-acme")
    db.add(status_list)
    db.flush()
    old = active_signer(db, key_ctx, org.id)
    signed_by_old = [
        _award(db, org, signed_credential(key_ctx, org, old, n), status_list, n) for n in (1, 2)
    ]
    rotate_key(db, key_ctx, "acme")
    new = active_signer(db, key_ctx, org.id)
    untouched = _award(db, org, signed_credential(key_ctx, org, new, 3), status_list, 3)
    revision = status_list.revision

    result = compromise_key(db, key_ctx, "acme", old.key_id, principal=Principal.operator())

    assert sorted(result.revoked_award_ids) == sorted(a.id for a in signed_by_old)
    for award in signed_by_old:
        assert award.state is AwardState.REVOKED
        assert award.revocation_reason == COMPROMISE_REASON
    assert untouched.state is AwardState.ISSUED
    assert status_list.revision == revision + 1
    revoked_events = list_events(db, organization_id=org.id, kind_prefix="award.revoked")
    assert {e.subject_id for e in revoked_events} == set(result.revoked_award_ids)
    (event,) = list_events(db, organization_id=org.id, kind_prefix="key.compromised")
    assert event.data["revoked_awards"] == 2
    # the issuer keeps its current DID: the compromised key was already retired
    assert org.did == new.issuer_id


def test_a_credential_of_a_compromised_did_key_fails_only_its_status_check(
    db: Session, key_ctx: ServiceContext
) -> None:
    org = new_issuer(db, key_ctx)
    signer = active_signer(db, key_ctx, org.id)
    assert isinstance(signer.key_pair, Ed25519KeyPair)
    (allocation,) = allocate(db, key_ctx, org.id)
    entry = status_list_entry(allocation.list_url, allocation.index)
    credential = sign_data_integrity(
        unsigned_credential(key_ctx, org, status_entry=entry),
        signer.key_pair,
        signer.verification_method,
        created=key_ctx.now(),
    )
    status_list = db.get(StatusList, allocation.list_id)
    assert status_list is not None
    _award(db, org, credential, status_list, allocation.index)

    def check(published: str) -> dict[str, CheckStatus]:
        report = verify(
            json.dumps(credential),
            input_name="credential",
            options=VerifyOptions(
                now=key_ctx.now() + timedelta(hours=1),
                fetch={allocation.list_url: published.encode()}.__getitem__,
            ),
        )
        return {c.id: c.status for c in report.checks}

    assert check(publish(db, key_ctx, allocation.list_id))["status"] is CheckStatus.PASS
    compromise_key(db, key_ctx, "acme", signer.key_id, principal=Principal.operator())
    after = check(publish(db, key_ctx, allocation.list_id))
    assert after["status"] is CheckStatus.FAIL
    assert after["proof"] is after["issuer-key"] is CheckStatus.PASS


def test_compromising_the_active_did_key_moves_the_issuer_to_a_new_did(
    db: Session, key_ctx: ServiceContext
) -> None:
    org = new_issuer(db, key_ctx)
    old = active_signer(db, key_ctx, org.id)
    result = compromise_key(db, key_ctx, "acme", old.key_id, principal=Principal.operator())
    assert result.replacement is not None
    assert org.did == result.replacement.controller_did != old.issuer_id


def test_rsa_key_is_published_as_json_web_key_and_signs_rs256(
    db: Session, web_ctx: ServiceContext
) -> None:
    org = new_issuer(db, web_ctx)
    rsa_key = add_rsa_key(db, web_ctx, "acme")
    signer = active_signer(db, web_ctx, org.id, KeyAlgorithm.RSA)
    assert isinstance(signer.key_pair, RsaKeyPair) and signer.key_id == rsa_key.id
    document = did_document(db, org)
    (jwk_method,) = [m for m in document["verificationMethod"] if m["type"] == "JsonWebKey"]
    assert jwk_method["id"] == signer.verification_method
    assert "d" not in jwk_method["publicKeyJwk"]
    token = sign_vc_jwt(
        unsigned_credential(web_ctx, org), signer.key_pair, kid=signer.verification_method
    )
    served = {did_web_to_url(org.did or ""): json.dumps(document).encode()}
    report = verify(
        token,
        input_name="jwt",
        options=VerifyOptions(now=web_ctx.now() + timedelta(hours=1), fetch=served.__getitem__),
    )
    assert report.check("proof") is not None
    assert {c.id: c.status for c in report.checks}["issuer-key"] is CheckStatus.PASS
    assert report.verified


def test_did_key_issuers_cannot_publish_an_rsa_key(db: Session, key_ctx: ServiceContext) -> None:
    new_issuer(db, key_ctx)
    with pytest.raises(ValidationError, match="did:web document"):
        add_rsa_key(db, key_ctx, "acme")


def test_without_an_rsa_key_the_rs256_signer_says_how_to_get_one(
    db: Session, web_ctx: ServiceContext
) -> None:
    org = new_issuer(db, web_ctx)
    with pytest.raises(NotFoundError, match="no active RSA key"):
        active_signer(db, web_ctx, org.id, KeyAlgorithm.RSA)


def test_another_master_secret_cannot_unseal_the_key(
    db: Session, key_ctx: ServiceContext, tmp_path: Path
) -> None:
    from credstack.core.errors import ConfigurationError

    org = new_issuer(db, key_ctx)
    stranger = ServiceContext(
        base_url=key_ctx.base_url, master_secret=b"another-master-secret-0123456789", home=tmp_path
    )
    with pytest.raises(ConfigurationError, match="master secret differs"):
        active_signer(db, stranger, org.id)
