"""The wallet: claims attach awards to the account, only the owner may act, export and deletion."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.errors import ConflictError, NotFoundError
from credstack.services.accounts.users import sign_up
from credstack.services.context import ServiceContext
from credstack.services.learners import wallet
from credstack.services.learners.claims import find_claim, queue_claim_email
from credstack.services.revocation.revoke import revoke
from credstack.store.models import Award, AwardState, Learner, Organization, User
from issued_awards import issue, make_context, new_achievement, new_issuer


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return make_context(tmp_path)


@pytest.fixture
def org(db: Session, ctx: ServiceContext) -> Organization:
    return new_issuer(db, ctx)


@pytest.fixture
def award(db: Session, ctx: ServiceContext, org: Organization) -> Award:
    return issue(db, ctx, org, new_achievement(db, org), email="ada@example.org")


def account(db: Session, ctx: ServiceContext, email: str = "ada@example.org") -> User:
    return sign_up(db, ctx, email=email, name="Ada L.", password="correct horse battery")


def claimed(db: Session, ctx: ServiceContext, award: Award, user: User) -> Award:
    link = queue_claim_email(db, ctx, award)
    return wallet.claim(db, ctx, find_claim(db, link.token, ctx.now()), user)


def test_claim_puts_the_award_in_the_wallet_and_uses_the_link_up(
    db: Session, ctx: ServiceContext, award: Award
) -> None:
    user = account(db, ctx)
    assert wallet.wallet(db, user) == []
    link = queue_claim_email(db, ctx, award)
    wallet.claim(db, ctx, find_claim(db, link.token, ctx.now()), user)
    entries = wallet.wallet(db, user)
    assert [(e.award.id, e.achievement_name, e.issuer_name) for e in entries] == [
        (award.id, "Data literacy", "Issuer acme")
    ]
    with pytest.raises(NotFoundError):
        find_claim(db, link.token, ctx.now())


def test_a_claim_with_another_address_still_lands_in_the_signed_in_wallet(
    db: Session, ctx: ServiceContext, org: Organization, award: Award
) -> None:
    user = account(db, ctx, "ada.work@example.com")
    claimed(db, ctx, award, user)
    second = issue(db, ctx, org, new_achievement(db, org), email="other@example.org")
    claimed(db, ctx, second, user)
    assert {e.award.id for e in wallet.wallet(db, user)} == {award.id, second.id}


def test_accept_decline_and_public_toggle(db: Session, ctx: ServiceContext, award: Award) -> None:
    user = account(db, ctx)
    claimed(db, ctx, award, user)
    assert wallet.respond(db, ctx, user, award.id, accept=True).state is AwardState.ACCEPTED
    assert wallet.set_public(db, ctx, user, award.id, False).public is False
    assert not wallet.is_publicly_visible(award)
    assert wallet.set_public(db, ctx, user, award.id, True).public is True
    declined = wallet.respond(db, ctx, user, award.id, accept=False)
    assert declined.state is AwardState.DECLINED and declined.public is False
    with pytest.raises(ConflictError, match="accept it before"):
        wallet.set_public(db, ctx, user, award.id, True)


def test_a_revoked_award_can_no_longer_be_accepted(
    db: Session, ctx: ServiceContext, award: Award
) -> None:
    user = account(db, ctx)
    claimed(db, ctx, award, user)
    revoke(db, ctx, award.id, "issued in error")
    with pytest.raises(ConflictError, match="revoked"):
        wallet.respond(db, ctx, user, award.id, accept=True)


def test_nobody_else_can_touch_an_award(db: Session, ctx: ServiceContext, award: Award) -> None:
    owner = account(db, ctx)
    claimed(db, ctx, award, owner)
    stranger = account(db, ctx, "eve@example.org")
    with pytest.raises(NotFoundError):
        wallet.set_public(db, ctx, stranger, award.id, False)
    with pytest.raises(NotFoundError):
        wallet.respond(db, ctx, stranger, award.id, accept=False)
    assert award.public is True and award.state is AwardState.ISSUED


def test_export_contains_profile_credentials_and_events(
    db: Session, ctx: ServiceContext, award: Award
) -> None:
    user = account(db, ctx)
    claimed(db, ctx, award, user)
    wallet.respond(db, ctx, user, award.id, accept=True)
    archive = zipfile.ZipFile(io.BytesIO(wallet.export_my_data(db, user)))
    assert set(archive.namelist()) == {
        "profile.json",
        "events.json",
        f"credentials/{award.id}.json",
    }
    profile = json.loads(archive.read("profile.json"))
    assert profile["account"]["email"] == "ada@example.org"
    assert profile["learner"]["emails"] == ["ada@example.org"]
    assert profile["credentials"][0]["state"] == "accepted"
    assert archive.read(f"credentials/{award.id}.json").decode() == award.credential
    kinds = [event["kind"] for event in json.loads(archive.read("events.json"))]
    assert {"user.signed_up", "award.claimed", "award.accepted"} <= set(kinds)


def test_delete_account_keeps_awards_but_unlinks_them_and_makes_them_private(
    db: Session, ctx: ServiceContext, award: Award
) -> None:
    user = account(db, ctx)
    user_id = user.id
    claimed(db, ctx, award, user)
    assert wallet.delete_account(db, ctx, user) == 1
    db.expire_all()
    kept = db.get(Award, award.id)
    assert kept is not None and kept.learner_id is None and kept.public is False
    assert db.get(User, user_id) is None
    assert db.scalars(select(Learner).where(Learner.user_id == user_id)).first() is None
