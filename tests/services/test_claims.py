"""Claim links: stored only as a hash, expire, and a resend makes the old link stop working."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.errors import ConflictError, NotFoundError
from credstack.services.accounts.users import Principal
from credstack.services.audit import list_events
from credstack.services.context import ServiceContext
from credstack.services.learners.claims import (
    CLAIM_VALIDITY,
    find_claim,
    queue_claim_email,
    resend_claim,
)
from credstack.services.revocation.revoke import revoke
from credstack.store.models import Award, OutboxEmail
from issued_awards import issue, make_context, new_achievement, new_issuer


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return make_context(tmp_path)


@pytest.fixture
def award(db: Session, ctx: ServiceContext) -> Award:
    org = new_issuer(db, ctx)
    return issue(db, ctx, org, new_achievement(db, org))


def test_only_the_hash_of_the_token_is_stored(
    db: Session, ctx: ServiceContext, award: Award
) -> None:
    link = queue_claim_email(db, ctx, award)
    assert link.url == ctx.url(f"/claim/{link.token}")
    assert len(link.token) == 43  # 32 bytes, URL-safe base64 without padding
    assert award.claim_token_hash == hashlib.sha256(link.token.encode()).hexdigest()
    assert link.token not in award.claim_token_hash
    assert award.claim_expires_at == link.expires_at
    assert link.expires_at - ctx.now() <= CLAIM_VALIDITY


def test_a_link_works_until_it_expires(db: Session, ctx: ServiceContext, award: Award) -> None:
    link = queue_claim_email(db, ctx, award)

    assert find_claim(db, link.token, link.expires_at - timedelta(seconds=1)).id == award.id
    with pytest.raises(ConflictError, match=r"expired on \d{4}-\d\d-\d\d .*ask the issuer"):
        find_claim(db, link.token, link.expires_at + timedelta(days=1))


def test_an_unknown_link_is_refused(db: Session, ctx: ServiceContext, award: Award) -> None:
    queue_claim_email(db, ctx, award)
    with pytest.raises(NotFoundError, match="not valid"):
        find_claim(db, "not-a-real-token", ctx.now())


def test_resend_replaces_the_link_queues_an_email_and_is_audited(
    db: Session, ctx: ServiceContext, award: Award
) -> None:
    first = queue_claim_email(db, ctx, award)

    second = resend_claim(db, ctx, award.id, principal=Principal.operator())

    assert second.token != first.token
    assert second.expires_at > first.expires_at
    with pytest.raises(NotFoundError):
        find_claim(db, first.token, ctx.now())
    assert find_claim(db, second.token, ctx.now()).id == award.id
    emails = db.scalars(select(OutboxEmail).where(OutboxEmail.award_id == award.id)).all()
    assert len(emails) == 2 and second.url in emails[-1].text_body
    (event,) = list_events(db, kind_prefix="award.claim_resent")
    assert event.subject_id == award.id and event.data["to"] == award.recipient_email


def test_resend_is_refused_for_revoked_and_claimed_awards(
    db: Session, ctx: ServiceContext, award: Award
) -> None:
    link = queue_claim_email(db, ctx, award)
    award.claimed_at = ctx.now()
    with pytest.raises(ConflictError, match="already claimed"):
        resend_claim(db, ctx, award.id, principal=Principal.operator())
    with pytest.raises(ConflictError, match="already claimed"):
        find_claim(db, link.token, ctx.now())

    award.claimed_at = None
    revoke(db, ctx, award.id, "issued in error")
    with pytest.raises(ConflictError, match="revoked"):
        resend_claim(db, ctx, award.id, principal=Principal.operator())


def test_resend_of_an_unknown_award_says_where_ids_come_from(
    db: Session, ctx: ServiceContext
) -> None:
    with pytest.raises(NotFoundError, match="award list"):
        resend_claim(db, ctx, "no-such-award", principal=Principal.operator())


def test_resend_to_an_address_stored_before_the_rule_is_refused_with_the_fix(
    db: Session, ctx: ServiceContext, award: Award
) -> None:
    award.recipient_email = "ada@example.org\r\nBcc: eve@evil.example"  # as older versions took it
    before = db.scalars(select(OutboxEmail)).all()
    with pytest.raises(ConflictError, match="control character") as refused:
        resend_claim(db, ctx, award.id, principal=Principal.operator())
    assert f"credstack award correct {award.id} --email" in refused.value.message
    assert db.scalars(select(OutboxEmail)).all() == before
