"""The schema keeps the promises later issues rely on, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, InvalidRequestError, StatementError
from sqlalchemy.orm import Session
from store_factories import T0, achievement, award, organization, status_list

from credstack.store.models import (
    Award,
    Event,
    KeyAlgorithm,
    KeyState,
    Learner,
    LearnerEmail,
    Member,
    Organization,
    Role,
    SigningKey,
    StatusList,
    StatusListEntry,
    User,
)


def test_organization_round_trip_with_member_roles(db: Session) -> None:
    org = organization(db)
    user = User(email="owner@example.edu", name="Olivia Owner", password_hash=None)
    db.add(user)
    db.flush()
    db.add(Member(user_id=user.id, organization_id=org.id, role=Role.OWNER))
    db.commit()
    db.expunge_all()

    loaded = db.scalars(select(Member).where(Member.organization_id == org.id)).one()
    assert loaded.role is Role.OWNER
    assert db.get(Organization, org.id).slug == org.slug  # type: ignore[union-attr]


def test_a_user_holds_one_role_per_organization(db: Session) -> None:
    org = organization(db)
    user = User(email="twice@example.edu", name="Twice")
    db.add(user)
    db.flush()
    db.add(Member(user_id=user.id, organization_id=org.id, role=Role.ADMIN))
    db.flush()
    db.add(Member(user_id=user.id, organization_id=org.id, role=Role.VIEWER))
    with pytest.raises(IntegrityError):
        db.flush()


def test_duplicate_slug_is_refused(db: Session) -> None:
    org = organization(db)
    db.add(
        Organization(
            slug=org.slug, name="Copy", type=org.type, url="https://x.example", country="DE"
        )
    )
    with pytest.raises(IntegrityError):
        db.flush()


def test_unknown_enum_value_is_refused_by_the_database(db: Session) -> None:
    org = organization(db)
    with pytest.raises(IntegrityError):
        db.execute(text("UPDATE organizations SET type = 'guild' WHERE id = :id"), {"id": org.id})


def test_foreign_keys_are_enforced(db: Session) -> None:
    org = organization(db)
    db.add(
        StatusListEntry(list_id="no-such-list", index=1, award_id=None),
    )
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
    assert db.get(Organization, org.id) is None  # the rollback undid the savepoint only


def test_same_award_cannot_be_issued_twice(db: Session) -> None:
    ach = achievement(db, organization(db))
    award(db, ach, email="ada@example.org")
    with pytest.raises(IntegrityError):
        award(db, ach, email="ada@example.org")


def test_external_ids_distinguish_awards_and_empty_means_none(db: Session) -> None:
    ach = achievement(db, organization(db))
    award(db, ach, external_id="")
    award(db, ach, external_id="course-2026-A")
    award(db, ach, external_id="course-2026-B")
    with pytest.raises(IntegrityError):
        award(db, ach, external_id="course-2026-A")


def test_credential_text_is_stored_byte_for_byte(db: Session) -> None:
    ach = achievement(db, organization(db))
    signed = json.dumps({"z": 1.0, "a": "é", "proof": [{"n": 10**20}]}, ensure_ascii=False)
    row = award(db, ach)
    row.credential = signed
    db.commit()
    db.expunge_all()
    assert db.get(Award, row.id).credential == signed  # type: ignore[union-attr]


def test_status_list_index_cannot_be_allocated_twice(db: Session) -> None:
    org = organization(db)
    lst = status_list(db, org)
    db.add(StatusListEntry(list_id=lst.id, index=4242))
    db.flush()
    db.add(StatusListEntry(list_id=lst.id, index=4242))
    with pytest.raises(IntegrityError):
        db.flush()


def test_status_lists_are_at_least_131072_entries(db: Session) -> None:
    org = organization(db)
    db.add(StatusList(id="small", organization_id=org.id, url_path="/status/small", size=1024))
    with pytest.raises(IntegrityError):
        db.flush()


def test_events_are_append_only(db: Session) -> None:
    event = Event(actor="cli", kind="award.issued", subject_type="award", subject_id="x", data={})
    db.add(event)
    db.flush()
    with pytest.raises(Exception, match="append-only"), db.begin_nested():
        db.execute(text("UPDATE events SET kind = 'forged' WHERE id = :id"), {"id": event.id})
    with pytest.raises(Exception, match="append-only"), db.begin_nested():
        db.execute(text("DELETE FROM events WHERE id = :id"), {"id": event.id})
    assert db.scalars(select(Event.kind).where(Event.id == event.id)).one() == "award.issued"


def test_timestamps_come_back_as_utc_aware(db: Session) -> None:
    ach = achievement(db, organization(db))
    row = award(db, ach)
    cet = timezone(timedelta(hours=1))
    row.valid_until = datetime(2027, 6, 1, 12, 0, tzinfo=cet)
    db.commit()
    db.expunge_all()
    loaded = db.get(Award, row.id)
    assert loaded is not None
    assert loaded.valid_from == T0
    assert loaded.valid_from.tzinfo is not None
    assert loaded.valid_until == datetime(2027, 6, 1, 11, 0, tzinfo=UTC)
    assert loaded.valid_until.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(db: Session) -> None:
    ach = achievement(db, organization(db))
    row = award(db, ach)
    row.revoked_at = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(StatementError, match="naive datetime"):
        db.flush()


def test_relationships_never_load_lazily(db: Session) -> None:
    learner = Learner(name="Grace Hopper")
    db.add(learner)
    db.flush()
    db.add(LearnerEmail(learner_id=learner.id, email="grace@example.org"))
    db.commit()
    db.expunge_all()
    loaded = db.get(Learner, learner.id)
    assert loaded is not None
    with pytest.raises(InvalidRequestError, match="lazy='raise'"):
        _ = loaded.emails


def test_signing_key_keeps_jwk_and_secret_bytes(db: Session) -> None:
    org = organization(db)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    db.add(
        SigningKey(
            id="z6MkTest",
            organization_id=org.id,
            controller_did="did:key:z6MkTest",
            algorithm=KeyAlgorithm.ED25519,
            public_multibase="z6MkTest",
            public_jwk=jwk,
            encrypted_secret=b"\x00\x01nonce-and-ciphertext\xff",
            state=KeyState.ACTIVE,
        )
    )
    db.commit()
    db.expunge_all()
    key = db.get(SigningKey, "z6MkTest")
    assert key is not None
    assert key.public_jwk == jwk
    assert key.encrypted_secret == b"\x00\x01nonce-and-ciphertext\xff"
    assert key.state is KeyState.ACTIVE
