"""Issuing one award: published achievements only, idempotent, stored exactly as signed.

Runs on SQLite and (with ``CREDSTACK_TEST_DATABASE_URL``) PostgreSQL through ``db``.
Credentials are verified with the real core verifier, status list included.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import award_fixtures
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credstack.core.errors import ConflictError, ValidationError
from credstack.core.identity import identity_matches
from credstack.core.report import CheckStatus
from credstack.services.achievements import lifecycle as achievements
from credstack.services.audit import list_events
from credstack.services.context import ServiceContext
from credstack.services.issuers.profiles import create_issuer
from credstack.services.issuing.awards import issue_award, new_award_id
from credstack.services.revocation.revoke import revoke
from credstack.store.models import Award, Learner, LearnerEmail, OutboxEmail

EXAMPLE = award_fixtures.EXAMPLE
verify_award = award_fixtures.verify_award
#: fixtures
ctx = award_fixtures.ctx
achievement_id = award_fixtures.achievement_id


def test_an_award_verifies_with_every_check_and_names_its_learner(
    db: Session, ctx: ServiceContext, achievement_id: str
) -> None:
    outcome = issue_award(
        db, ctx, achievement_id=achievement_id, email=" Ada@Example.org ", name="Ada  Lovelace"
    )
    assert outcome.created
    award = outcome.award
    checks = verify_award(db, ctx, award)
    assert checks["verified"] == "True", checks
    assert checks["status"] == CheckStatus.PASS.value
    credential = json.loads(award.credential)
    assert credential["id"] == ctx.url(f"/credentials/{award.id}")
    assert "ada@example.org" not in award.credential.lower()
    identifiers = credential["credentialSubject"]["identifier"]
    assert any(identity_matches(item, "ada@example.org") for item in identifiers)
    assert {"type": "IdentityObject", "identityHash": "Ada Lovelace", "identityType": "name",
            "hashed": False} in identifiers  # fmt: skip
    assert "id" not in credential["credentialSubject"]  # no DID known for Ada yet
    assert credential["credentialSubject"]["achievement"]["id"] == ctx.url(
        f"/achievements/{achievement_id}"
    )
    # the example's validity is P5Y: validUntil follows it from the issue date
    valid_from = datetime.fromisoformat(credential["validFrom"])
    assert datetime.fromisoformat(credential["validUntil"]) == valid_from.replace(
        year=valid_from.year + 5
    )
    assert award.recipient_email == "ada@example.org"
    assert award.valid_until is not None
    events = list_events(db, kind_prefix="award.issued", subject_id=award.id)
    assert len(events) == 1
    (mail,) = db.scalars(select(OutboxEmail).where(OutboxEmail.award_id == award.id))
    assert mail.to_address == "ada@example.org"
    assert ctx.url("/claim/") in mail.text_body
    assert award.claim_token_hash is not None and award.claim_expires_at is not None


def test_the_stored_text_is_the_signed_document_serialised_once(
    db: Session, ctx: ServiceContext, achievement_id: str
) -> None:
    award = issue_award(db, ctx, achievement_id=achievement_id, email="a@b.example", name="A B")
    text = award.award.credential
    document = json.loads(text)
    assert json.dumps(document, ensure_ascii=False, separators=(",", ":")) == text
    assert document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    db.expire_all()
    assert db.get(Award, award.award.id).credential == text  # type: ignore[union-attr]


def test_same_learner_and_external_id_again_returns_the_first_award(
    db: Session, ctx: ServiceContext, achievement_id: str
) -> None:
    first = issue_award(
        db, ctx, achievement_id=achievement_id, email="ada@example.org", name="Ada",
        external_id="S-1",
    )  # fmt: skip
    again = issue_award(
        db, ctx, achievement_id=achievement_id, email="ADA@example.org", name="Ada L.",
        external_id=" S-1 ",
    )  # fmt: skip
    other = issue_award(
        db, ctx, achievement_id=achievement_id, email="ada@example.org", name="Ada",
        external_id="S-2",
    )  # fmt: skip
    assert (again.created, again.award.id) == (False, first.award.id)
    assert again.award.credential == first.award.credential
    assert other.created and other.award.id != first.award.id
    # one learner for both awards, found by e-mail
    assert db.scalar(select(func.count()).select_from(LearnerEmail)) == 1
    assert first.award.learner_id == other.award.learner_id
    assert len(list_events(db, kind_prefix="award.issued")) == 2
    assert db.scalar(select(func.count()).select_from(OutboxEmail)) == 2  # none for the repeat


def test_a_learner_with_a_did_is_the_credential_subject(
    db: Session, ctx: ServiceContext, achievement_id: str
) -> None:
    first = issue_award(db, ctx, achievement_id=achievement_id, email="ada@x.example", name="Ada")
    learner = db.get(Learner, first.award.learner_id)
    assert learner is not None
    learner.did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    db.flush()
    second = issue_award(
        db, ctx, achievement_id=achievement_id, email="ada@x.example", name="Ada", external_id="2"
    )
    subject = json.loads(second.award.credential)["credentialSubject"]
    assert subject["id"] == learner.did


def test_optional_fields_and_explicit_dates_are_signed_into_the_credential(
    db: Session, ctx: ServiceContext, achievement_id: str
) -> None:
    issued = datetime(2026, 4, 1, tzinfo=UTC)
    expires = datetime(2027, 4, 1, tzinfo=UTC)
    award = issue_award(
        db,
        ctx,
        achievement_id=achievement_id,
        email="grace@example.org",
        name="Grace Hopper",
        external_id="STU-42",
        evidence="https://portfolio.example/grace/project",
        narrative="Built a data pipeline for the city library.",
        result="8.5/10",
        issued=issued,
        expires=expires,
    ).award
    credential = json.loads(award.credential)
    assert credential["validFrom"] == "2026-04-01T00:00:00Z"
    assert credential["validUntil"] == "2027-04-01T00:00:00Z"
    assert credential["evidence"] == [
        {"id": "https://portfolio.example/grace/project", "type": ["Evidence"]}
    ]
    subject = credential["credentialSubject"]
    assert subject["result"] == [{"type": ["Result"], "value": "8.5/10"}]
    assert subject["narrative"] == "Built a data pipeline for the city library."
    assert any(item["identityType"] == "identifier" for item in subject["identifier"])
    assert verify_award(db, ctx, award)["verified"] == "True"


def test_a_revoked_award_fails_only_its_status_check(
    db: Session, ctx: ServiceContext, achievement_id: str
) -> None:
    award = issue_award(db, ctx, achievement_id=achievement_id, email="r@x.example", name="R").award
    revoke(db, ctx, award.id, "issued in error")
    checks = verify_award(db, ctx, award)
    failed = {check for check, status in checks.items() if status == CheckStatus.FAIL.value}
    assert failed == {"status"}


def test_a_draft_achievement_cannot_be_awarded(db: Session, ctx: ServiceContext) -> None:
    organization = create_issuer(
        db, ctx, name="Acme", type="company", url="https://acme.example", country="DE"
    )
    draft = achievements.create_achievement(
        db, ctx, issuer_slug=organization.slug, definition=EXAMPLE.read_text(encoding="utf-8")
    )
    with pytest.raises(ConflictError, match="only a published version can be awarded"):
        issue_award(db, ctx, achievement_id=draft.id, email="a@b.example", name="A")
    assert db.scalar(select(func.count()).select_from(Award)) == 0


def test_an_expiry_before_the_issue_date_is_refused(
    db: Session, ctx: ServiceContext, achievement_id: str
) -> None:
    # refused by the award rules every door shares, with the field named (it was an
    # InputError "would expire" raised while signing before the rules were one)
    refused = "expires: '2026-03-01T00:00:00[+]00:00' is not after the issue date"
    with pytest.raises(ValidationError, match=refused):
        issue_award(
            db, ctx, achievement_id=achievement_id, email="a@b.example", name="A",
            issued=datetime(2026, 4, 1, tzinfo=UTC), expires=datetime(2026, 3, 1, tzinfo=UTC),
        )  # fmt: skip
    assert db.scalar(select(func.count()).select_from(Award)) == 0


def test_award_ids_never_start_with_a_dash_so_the_cli_can_take_them(tmp_path: Path) -> None:
    ctx = ServiceContext(
        base_url="http://127.0.0.1:8000",
        master_secret=b"x" * 32,
        home=tmp_path,
        rng=random.Random(1),
    )
    ids = [new_award_id(ctx) for _ in range(2000)]
    assert all(i[0].isalnum() for i in ids)
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 22 for i in ids)
