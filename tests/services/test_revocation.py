"""Revocation: state, reason, audit, and the published list showing it at the next request."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.errors import ConflictError, FetchError, NotFoundError, ValidationError
from credstack.core.status_list import decode_list
from credstack.core.verify import VerifyOptions, verify
from credstack.services.accounts.users import Principal
from credstack.services.achievements import lifecycle as achievements
from credstack.services.audit import list_events
from credstack.services.context import ServiceContext
from credstack.services.issuing.awards import issue_award
from credstack.services.revocation.revoke import CORRECTED_REASON, correct, revoke, revoke_many
from credstack.services.status.lists import publish
from credstack.store.engine import create_database_engine
from credstack.store.migrate import upgrade_to_head
from credstack.store.models import Award, AwardState, Learner, OutboxEmail, StatusList
from issued_awards import issue, make_context, new_achievement, new_issuer


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


# --- corrections -------------------------------------------------------------------------

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"


@pytest.fixture
def published_id(db: Session, ctx: ServiceContext) -> str:
    """The example micro-credential, published by a real issuer."""
    org = new_issuer(db, ctx, slug="uni")
    draft = achievements.create_achievement(
        db, ctx, issuer_slug=org.slug, definition=EXAMPLE.read_text(encoding="utf-8")
    )
    return achievements.publish(db, ctx, draft.id).id


def _verified(db: Session, ctx: ServiceContext, award: Award) -> dict[str, str]:
    prefix = ctx.url("/status/")

    def fetch(url: str) -> bytes:
        if not url.startswith(prefix):
            raise FetchError(f"{url} is not served by this test")
        return publish(db, ctx, url.removeprefix(prefix)).encode("utf-8")

    report = verify(
        award.credential,
        input_name=award.id,
        options=VerifyOptions(now=ctx.now() + timedelta(days=1), fetch=fetch),
    )
    return {c.id: c.status.value for c in report.checks} | {"verified": str(report.verified)}


def _correction_notices(db: Session, award: Award) -> list[OutboxEmail]:
    """The correction e-mails about ``award`` (its claim e-mail is queued separately)."""
    query = select(OutboxEmail).where(
        OutboxEmail.award_id == award.id, OutboxEmail.subject.contains("was corrected")
    )
    return list(db.scalars(query))


def test_a_misspelt_name_is_corrected_by_a_new_credential_naming_the_old(
    db: Session, ctx: ServiceContext, published_id: str
) -> None:
    old = issue_award(
        db,
        ctx,
        achievement_id=published_id,
        email="ada@example.org",
        name="Ada Lovelcae",
        external_id="S-1",
        narrative="Built a data pipeline.",
    ).award
    old_text = old.credential

    new = correct(db, ctx, old.id, name="Ada Lovelace", principal=Principal.operator())

    assert new.id != old.id and new.replaces_award_id == old.id
    assert (old.state, old.revocation_reason) == (AwardState.REVOKED, CORRECTED_REASON)
    assert old.credential == old_text  # the old credential is never rewritten
    credential = json.loads(new.credential)
    assert credential["description"] == f"Replaces credential {ctx.url('/credentials/' + old.id)}"
    names = [
        i for i in credential["credentialSubject"]["identifier"] if i["identityType"] == "name"
    ]
    assert names[0]["identityHash"] == "Ada Lovelace"
    assert credential["credentialSubject"]["narrative"] == "Built a data pipeline."
    assert credential["validFrom"] == json.loads(old_text)["validFrom"]
    assert new.external_id == "S-1" and new.recipient_email == "ada@example.org"
    assert _verified(db, ctx, new)["verified"] == "True"
    old_checks = _verified(db, ctx, old)
    assert [c for c, s in old_checks.items() if s == "fail"] == ["status"]
    learner = db.get(Learner, new.learner_id)
    assert learner is not None and learner.name == "Ada Lovelace"
    (event,) = list_events(db, kind_prefix="award.corrected")
    assert event.data == {"replaces": old.id, "fields": ["name"]}
    (notice,) = _correction_notices(db, new)
    assert notice.to_address == "ada@example.org"
    assert "corrected" in notice.subject
    assert ctx.url(f"/credentials/{new.id}") in notice.text_body
    assert ctx.url(f"/credentials/{old.id}") in notice.text_body
    assert notice.html_body is not None and "Ada Lovelace" in notice.html_body
    # the original request again finds the corrected award instead of re-issuing
    again = issue_award(
        db,
        ctx,
        achievement_id=published_id,
        email="ada@example.org",
        name="Ada Lovelcae",
        external_id="S-1",
    )
    assert (again.created, again.award.id) == (False, new.id)


def test_an_e_mail_correction_moves_the_award_to_the_new_address(
    db: Session, ctx: ServiceContext, published_id: str
) -> None:
    old = issue_award(
        db, ctx, achievement_id=published_id, email="ada@exmaple.org", name="Ada Lovelace"
    ).award
    new = correct(db, ctx, old.id, email="ada@example.org", principal=Principal.operator())
    assert new.recipient_email == "ada@example.org"
    notices = _correction_notices(db, new)
    assert [n.to_address for n in notices] == ["ada@example.org"]
    assert "e-mail address" in notices[0].text_body
    assert new.learner_id != old.learner_id
    assert _verified(db, ctx, new)["verified"] == "True"


def test_a_correction_needs_a_change_and_a_valid_award(
    db: Session, ctx: ServiceContext, published_id: str
) -> None:
    award = issue_award(
        db, ctx, achievement_id=published_id, email="ada@example.org", name="Ada Lovelace"
    ).award
    with pytest.raises(ValidationError, match="nothing to correct"):
        correct(db, ctx, award.id, name=" Ada  Lovelace ", principal=Principal.operator())
    revoke(db, ctx, award.id, "withdrawn")
    with pytest.raises(ConflictError, match="only a valid award"):
        correct(db, ctx, award.id, name="Ada King", principal=Principal.operator())


# --- concurrent revocations on PostgreSQL ---------------------------------------------------


def test_two_revocations_committing_at_once_both_bump_the_list_revision(
    postgres_schemas: Any, tmp_path: Path
) -> None:
    """A read-add-write of ``revision`` would lose one bump, and a list signed between the
    two commits would then hide the second revocation behind an unchanged revision."""
    schema = postgres_schemas.create("revoke")
    engine = create_database_engine(postgres_schemas.url_for(schema))
    try:
        upgrade_to_head(engine)
        ctx = make_context(tmp_path)
        with Session(engine) as setup:
            org = new_issuer(setup, ctx)
            achievement = new_achievement(setup, org)
            first, second = (
                issue(setup, ctx, org, achievement, email=f"{n}@example.org") for n in "ab"
            )
            list_id, ids = first.status_list_id, (first.id, second.id)
            setup.commit()
        assert list_id is not None
        with Session(engine) as before:
            start = before.get(StatusList, list_id)
            assert start is not None
            initial = start.revision

        holder = Session(engine)
        revoke(holder, ctx, ids[0], "first")  # holds the list row until it commits

        def second_revocation() -> None:
            with Session(engine) as other:
                revoke(other, ctx, ids[1], "second")
                other.commit()

        worker = threading.Thread(target=second_revocation)
        worker.start()
        worker.join(timeout=1)
        assert worker.is_alive()  # waiting for the first transaction's row lock
        holder.commit()
        holder.close()
        worker.join(timeout=30)
        assert not worker.is_alive()

        with Session(engine) as after:
            final = after.get(StatusList, list_id)
            assert final is not None and final.revision == initial + 2
            assert _set_bits(after, ctx, list_id) == sorted(
                index
                for index in after.scalars(select(Award.status_index).where(Award.id.in_(ids)))
                if index is not None
            )
    finally:
        engine.dispose()
        postgres_schemas.drop(schema)


def test_the_same_award_revoked_twice_at_once_succeeds_once(
    postgres_schemas: Any, tmp_path: Path
) -> None:
    schema = postgres_schemas.create("revoke2")
    engine = create_database_engine(postgres_schemas.url_for(schema))
    try:
        upgrade_to_head(engine)
        ctx = make_context(tmp_path)
        with Session(engine) as setup:
            org = new_issuer(setup, ctx)
            award_id = issue(setup, ctx, org, new_achievement(setup, org)).id
            setup.commit()
        holder = Session(engine)
        revoke(holder, ctx, award_id, "first")
        outcome: list[BaseException | str] = []

        def second_revocation() -> None:
            with Session(engine) as other:
                try:
                    revoke(other, ctx, award_id, "second")
                    other.commit()
                    outcome.append("revoked")
                except ConflictError as exc:
                    outcome.append(exc)

        worker = threading.Thread(target=second_revocation)
        worker.start()
        worker.join(timeout=1)
        assert worker.is_alive()  # waiting for the row lock of the first revocation
        holder.commit()
        holder.close()
        worker.join(timeout=30)
        assert len(outcome) == 1 and isinstance(outcome[0], ConflictError)
        with Session(engine) as after:
            award = after.get(Award, award_id)
            assert award is not None and award.revocation_reason == "first"
    finally:
        engine.dispose()
        postgres_schemas.drop(schema)
