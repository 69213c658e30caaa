"""Revocation: state, reason, audit, and the published list showing it at the next request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from issued_awards import issue, make_context, new_achievement, new_issuer
from sqlalchemy.orm import Session

from credstack.core.errors import ConflictError, NotFoundError, ValidationError
from credstack.core.status_list import decode_list
from credstack.services.audit import list_events
from credstack.services.context import ServiceContext
from credstack.services.revocation import revoke, revoke_many
from credstack.services.status_lists import publish
from credstack.store.models import AwardState, StatusList


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return make_context(tmp_path)


def _set_bits(db: Session, ctx: ServiceContext, list_id: str) -> list[int]:
    document = json.loads(publish(db, ctx, list_id))
    return list(decode_list(document["credentialSubject"]["encodedList"]).set_indexes())


def test_revoke_sets_state_reason_time_audits_and_republishes(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    achievement = new_achievement(db, org)
    award = issue(db, ctx, org, achievement)
    other = issue(db, ctx, org, achievement, email="bob@example.org")
    assert award.status_list_id is not None
    assert _set_bits(db, ctx, award.status_list_id) == []
    status_list = db.get(StatusList, award.status_list_id)
    assert status_list is not None
    revision = status_list.revision

    revoked = revoke(db, ctx, award.id, "  issued   in error ")

    assert revoked is award
    assert award.state is AwardState.REVOKED
    assert award.revocation_reason == "issued in error"
    assert award.revoked_at is not None
    assert other.state is AwardState.ISSUED
    assert status_list.revision == revision + 1
    # the very next publication carries the bit, and only that one
    assert _set_bits(db, ctx, award.status_list_id) == [award.status_index]
    (event,) = list_events(db, kind_prefix="award.revoked")
    assert (event.subject_id, event.data["reason"]) == (award.id, "issued in error")
    # the stored credential is never rewritten
    assert json.loads(award.credential)["id"].endswith(award.id)


def test_revoking_twice_is_a_conflict_that_says_when_and_why(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    award = issue(db, ctx, org, new_achievement(db, org))
    revoke(db, ctx, award.id, "plagiarism")
    with pytest.raises(ConflictError, match=r"already revoked .*plagiarism"):
        revoke(db, ctx, award.id, "again")
    assert award.revocation_reason == "plagiarism"


def test_revoke_needs_a_reason_and_a_known_award(db: Session, ctx: ServiceContext) -> None:
    org = new_issuer(db, ctx)
    award = issue(db, ctx, org, new_achievement(db, org))
    with pytest.raises(ValidationError, match="needs a reason"):
        revoke(db, ctx, award.id, "   ")
    with pytest.raises(NotFoundError, match="award list"):
        revoke(db, ctx, "no-such-award", "x")
    assert award.state is AwardState.ISSUED


def test_revoke_many_revokes_the_rest_and_bumps_each_list_once(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    achievement = new_achievement(db, org)
    awards = [issue(db, ctx, org, achievement, email=f"l{n}@example.org") for n in range(4)]
    revoke(db, ctx, awards[0].id, "first")
    list_id = awards[0].status_list_id
    assert list_id is not None
    status_list = db.get(StatusList, list_id)
    assert status_list is not None
    revision = status_list.revision

    done = revoke_many(db, ctx, [a.id for a in awards[:3]], "key compromise")

    assert [a.id for a in done] == [awards[1].id, awards[2].id]
    assert awards[0].revocation_reason == "first"
    assert awards[3].state is AwardState.ISSUED
    assert status_list.revision == revision + 1
    assert _set_bits(db, ctx, list_id) == sorted(
        a.status_index for a in awards[:3] if a.status_index is not None
    )


def test_revoke_many_changes_nothing_when_an_id_is_unknown(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    award = issue(db, ctx, org, new_achievement(db, org))
    with pytest.raises(NotFoundError, match="'ghost'"):
        revoke_many(db, ctx, [award.id, "ghost"], "batch")
    assert award.state is AwardState.ISSUED
