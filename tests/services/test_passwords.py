"""Password change and reset: the current password, single-use links, sessions ended, notices."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from auth_fixtures import PASSWORD, person
from clock_fixtures import Clock, clock, ctx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credstack.core.errors import AuthenticationError, NotFoundError, ValidationError
from credstack.services.accounts import passwords
from credstack.services.accounts import users as accounts
from credstack.services.accounts.sessions import SessionPolicy, session_user, start_session
from credstack.services.context import ServiceContext
from credstack.store.models import OutboxEmail, PasswordReset

POLICY = SessionPolicy(idle=timedelta(hours=24), lifetime=timedelta(days=14))
NEW = "an entirely new passphrase"

__all__ = ["clock", "ctx"]


def _mails(db: Session, to: str) -> list[OutboxEmail]:
    query = select(OutboxEmail).where(OutboxEmail.to_address == to).order_by(OutboxEmail.id)
    return list(db.scalars(query))


def _reset_token(db: Session, to: str) -> str:
    match = re.search(r"/password-reset/([\w-]+)", _mails(db, to)[-1].text_body)
    assert match, "no reset link in the newest e-mail"
    return match.group(1)


def test_a_change_needs_the_current_password(db: Session, ctx: ServiceContext) -> None:
    ada = person(db, ctx, "ada")
    with pytest.raises(AuthenticationError, match="current password is not right"):
        passwords.change_password(db, ctx, ada, current="not my password", new=NEW)
    with pytest.raises(AuthenticationError):
        passwords.change_password(db, ctx, ada, current="x" * 2000, new=NEW)
    with pytest.raises(ValidationError, match="new_password: at least 10 characters"):
        passwords.change_password(db, ctx, ada, current=PASSWORD, new="short")
    assert accounts.sign_in(db, email=ada.email, password=PASSWORD) is ada  # unchanged


def test_a_change_ends_every_session_and_tells_the_owner(db: Session, ctx: ServiceContext) -> None:
    ada = person(db, ctx, "ada")
    phone, laptop = (start_session(db, ctx, ada, POLICY) for _ in range(2))
    passwords.change_password(db, ctx, ada, current=PASSWORD, new=NEW)
    assert session_user(db, phone, POLICY, ctx.now()) is None
    assert session_user(db, laptop, POLICY, ctx.now()) is None
    assert accounts.sign_in(db, email=ada.email, password=NEW) is ada
    with pytest.raises(AuthenticationError):
        accounts.sign_in(db, email=ada.email, password=PASSWORD)
    assert _mails(db, ada.email)[-1].subject == "Your Credstack password was changed"


def test_a_reset_link_sets_a_new_password_once(db: Session, ctx: ServiceContext) -> None:
    ada = person(db, ctx, "ada")
    session_id = start_session(db, ctx, ada, POLICY)
    passwords.request_reset(db, ctx, " ADA@example.org ")
    token = _reset_token(db, ada.email)
    assert passwords.reset_account(db, ctx, token) is ada
    passwords.reset_password(db, ctx, token, NEW)
    assert accounts.sign_in(db, email=ada.email, password=NEW) is ada
    assert session_user(db, session_id, POLICY, ctx.now()) is None
    with pytest.raises(NotFoundError, match="Ask for a new one at /password-reset"):
        passwords.reset_password(db, ctx, token, "yet another passphrase")
    assert db.scalar(select(func.count()).select_from(PasswordReset)) == 0


def test_a_new_reset_link_replaces_the_last_and_links_expire(
    db: Session, ctx: ServiceContext, clock: Clock
) -> None:
    ada = person(db, ctx, "ada")
    passwords.request_reset(db, ctx, ada.email)
    first = _reset_token(db, ada.email)
    passwords.request_reset(db, ctx, ada.email)
    second = _reset_token(db, ada.email)
    with pytest.raises(NotFoundError):
        passwords.reset_account(db, ctx, first)
    clock.now += passwords.RESET_VALIDITY
    with pytest.raises(NotFoundError):
        passwords.reset_account(db, ctx, second)


def test_a_reset_keeps_the_password_rules(db: Session, ctx: ServiceContext) -> None:
    ada = person(db, ctx, "ada")
    passwords.request_reset(db, ctx, ada.email)
    token = _reset_token(db, ada.email)
    with pytest.raises(ValidationError, match="at most 1,024 bytes"):
        passwords.reset_password(db, ctx, token, "é" * 600)
    assert passwords.reset_account(db, ctx, token) is ada  # still usable


def test_a_reset_for_an_unknown_address_does_nothing(db: Session, ctx: ServiceContext) -> None:
    before = db.scalar(select(func.count()).select_from(OutboxEmail))
    passwords.request_reset(db, ctx, "nobody@example.org")
    assert db.scalar(select(func.count()).select_from(OutboxEmail)) == before
