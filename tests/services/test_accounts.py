"""Sign up and sign in: hashed passwords, one generic failure message, memberships."""

from __future__ import annotations

import pytest
from auth_fixtures import PASSWORD, ctx, organization, person
from sqlalchemy.orm import Session

from credstack.core.errors import AuthenticationError, ConflictError, ValidationError
from credstack.services.accounts import users as accounts
from credstack.services.context import ServiceContext
from credstack.store.models import Role

__all__ = ["ctx"]


def test_sign_up_stores_a_salted_scrypt_hash_never_the_password(
    db: Session, ctx: ServiceContext
) -> None:
    first = accounts.sign_up(db, ctx, email=" Ada@Example.ORG ", name="Ada", password=PASSWORD)
    second = accounts.sign_up(db, ctx, email="bob@example.org", name="Bob", password=PASSWORD)
    assert first.email == "ada@example.org"
    assert first.password_hash is not None and second.password_hash is not None
    assert first.password_hash.startswith("scrypt$16384$8$1$")
    assert PASSWORD not in first.password_hash
    assert first.password_hash != second.password_hash  # per-user salt


def test_sign_in_accepts_the_right_password_case_insensitive_email(
    db: Session, ctx: ServiceContext
) -> None:
    user = person(db, ctx, "ada")
    assert accounts.sign_in(db, email="ADA@example.org", password=PASSWORD).id == user.id


def test_wrong_password_and_unknown_email_fail_with_the_same_message(
    db: Session, ctx: ServiceContext
) -> None:
    person(db, ctx, "ada")
    with pytest.raises(AuthenticationError) as wrong:
        accounts.sign_in(db, email="ada@example.org", password=PASSWORD + "x")
    with pytest.raises(AuthenticationError) as unknown:
        accounts.sign_in(db, email="nobody@example.org", password=PASSWORD)
    assert wrong.value.message == unknown.value.message == accounts.SIGN_IN_FAILED


def test_sign_up_reports_every_bad_field(db: Session, ctx: ServiceContext) -> None:
    with pytest.raises(ValidationError) as caught:
        accounts.sign_up(db, ctx, email="not-an-email", name=" ", password="short")
    fields = sorted(problem.split(":")[0] for problem in caught.value.problems)
    assert fields == ["email", "name", "password"]
    assert "at least 10 characters" in caught.value.message


def test_an_email_can_have_only_one_account(db: Session, ctx: ServiceContext) -> None:
    person(db, ctx, "ada")
    with pytest.raises(ConflictError, match="sign in instead"):
        accounts.sign_up(db, ctx, email="ADA@example.org", name="Other", password=PASSWORD)


def test_a_tampered_stored_hash_never_matches() -> None:
    stored = accounts.hash_password(PASSWORD, b"0123456789abcdef")
    assert accounts.password_matches(PASSWORD, stored)
    assert not accounts.password_matches(PASSWORD, stored[:-2] + "AA")
    assert not accounts.password_matches(PASSWORD, "bcrypt$whatever")


def test_memberships_list_the_organisations_and_roles(db: Session, ctx: ServiceContext) -> None:
    ada = person(db, ctx, "ada")
    org = organization(db, ctx, ada, "ada-org")
    assert [(o.slug, role) for o, role in accounts.memberships(db, ada.id)] == [
        (org.slug, Role.OWNER)
    ]
