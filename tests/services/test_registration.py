"""Sign-up by e-mail: the same answer for every address, and links nobody else can hijack."""

from __future__ import annotations

import re

import pytest
from auth_fixtures import PASSWORD, ctx, person
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credstack.core.errors import AuthenticationError, ConflictError, NotFoundError
from credstack.services.accounts import registration
from credstack.services.accounts import users as accounts
from credstack.services.context import ServiceContext
from credstack.store.models import OutboxEmail, PendingSignUp, User

__all__ = ["ctx"]


def _newest_mail(db: Session, to: str) -> OutboxEmail:
    query = select(OutboxEmail).where(OutboxEmail.to_address == to).order_by(OutboxEmail.id)
    return list(db.scalars(query))[-1]


def _link_token(db: Session, to: str) -> str:
    match = re.search(r"/sign-up/confirm/([\w-]+)", _newest_mail(db, to).text_body)
    assert match, "no sign-up link in the newest e-mail"
    return match.group(1)


def _accounts(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(User)) or 0)


def test_a_sign_up_is_an_account_only_once_the_link_and_password_confirm_it(
    db: Session, ctx: ServiceContext
) -> None:
    address = registration.request_sign_up(
        db, ctx, email=" Grace@Example.org", name="Grace", password=PASSWORD
    )
    assert address == "grace@example.org"
    assert accounts.user_by_email(db, address) is None
    token = _link_token(db, address)
    assert registration.pending_sign_up(db, ctx, token).name == "Grace"
    with pytest.raises(AuthenticationError, match="not the password chosen"):
        registration.confirm_sign_up(db, ctx, token, "some other password")
    user = registration.confirm_sign_up(db, ctx, token, PASSWORD)
    assert accounts.sign_in(db, email=address, password=PASSWORD) is user
    with pytest.raises(NotFoundError, match="Sign up again"):
        registration.pending_sign_up(db, ctx, token)


def test_an_existing_address_gets_a_note_and_no_account_changes(
    db: Session, ctx: ServiceContext
) -> None:
    ada = person(db, ctx, "ada")
    registration.request_sign_up(db, ctx, email=ada.email, name="Mallory", password="x" * 12)
    note = _newest_mail(db, ada.email)
    assert note.subject == "You already have a Credstack account"
    assert "/sign-up/confirm/" not in note.text_body and "/password-reset" in note.text_body
    assert db.scalar(select(func.count()).select_from(PendingSignUp)) == 0
    assert accounts.sign_in(db, email=ada.email, password=PASSWORD) is ada


def test_a_second_sign_up_for_an_address_cannot_change_the_first(
    db: Session, ctx: ServiceContext
) -> None:
    """Someone signs up with another person's address first: the owner's own link still works
    with the owner's password, and the intruder's link is useless without the mailbox."""
    victim = "victim@example.org"
    registration.request_sign_up(db, ctx, email=victim, name="Intruder", password="intruder pw 1")
    intruders_link = _link_token(db, victim)
    registration.request_sign_up(db, ctx, email=victim, name="Victim", password=PASSWORD)
    victims_link = _link_token(db, victim)
    with pytest.raises(AuthenticationError):
        registration.confirm_sign_up(db, ctx, victims_link, "intruder pw 1")
    user = registration.confirm_sign_up(db, ctx, victims_link, PASSWORD)
    assert user.name == "Victim"
    with pytest.raises(NotFoundError):  # every link of the address is used up
        registration.confirm_sign_up(db, ctx, intruders_link, "intruder pw 1")
    assert _accounts(db) == 1


def test_a_link_for_an_address_that_got_an_account_meanwhile_is_refused(
    db: Session, ctx: ServiceContext
) -> None:
    registration.request_sign_up(db, ctx, email="ada@example.org", name="Ada", password=PASSWORD)
    token = _link_token(db, "ada@example.org")
    person(db, ctx, "ada")
    with pytest.raises(ConflictError, match="already has an account"):
        registration.confirm_sign_up(db, ctx, token, PASSWORD)
