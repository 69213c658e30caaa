"""API tokens: shown once, stored hashed, scoped, revocable, last use recorded."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from auth_fixtures import add, ctx, organization, person
from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.errors import (
    AuthenticationError,
    ConflictError,
    PermissionDeniedError,
    ValidationError,
)
from credstack.services.accounts import tokens
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.store.models import ApiToken, Role

__all__ = ["ctx"]


def test_the_token_text_is_returned_once_and_only_its_hash_is_stored(
    db: Session, ctx: ServiceContext
) -> None:
    owner = person(db, ctx, "owner")
    org = organization(db, ctx, owner, "acme")
    new = tokens.create_token(
        db, ctx, Principal(owner.id), org.id, name="CI", scopes=["award", "read"]
    )
    assert new.secret.startswith("cst_") and len(new.secret) > 40
    stored = db.scalars(select(ApiToken)).one()
    assert stored.token_hash == hashlib.sha256(new.secret.encode()).hexdigest()
    assert new.secret not in repr(stored.__dict__)
    assert stored.scopes == ["award", "read"]


def test_a_token_authenticates_as_its_maker_within_its_organisation(
    db: Session, ctx: ServiceContext
) -> None:
    owner = person(db, ctx, "owner")
    org = organization(db, ctx, owner, "acme")
    new = tokens.create_token(db, ctx, Principal(owner.id), org.id, name="CI", scopes=["read"])
    principal = tokens.authenticate(db, ctx, new.secret)
    assert principal == Principal(owner.id, new.token.id, org.id, frozenset({"read"}))
    assert new.token.last_used_at is not None
    first_use = new.token.last_used_at
    tokens.authenticate(db, ctx, new.secret)
    assert new.token.last_used_at == first_use  # written at most once a minute


def test_last_used_at_moves_after_a_minute(db: Session, ctx: ServiceContext) -> None:
    owner = person(db, ctx, "owner")
    org = organization(db, ctx, owner, "acme")
    new = tokens.create_token(db, ctx, Principal(owner.id), org.id, name="CI", scopes=["read"])
    tokens.authenticate(db, ctx, new.secret)
    assert new.token.last_used_at is not None
    new.token.last_used_at -= timedelta(minutes=2)
    before = new.token.last_used_at
    tokens.authenticate(db, ctx, new.secret)
    assert new.token.last_used_at > before


def test_revoked_unknown_and_malformed_tokens_are_refused(db: Session, ctx: ServiceContext) -> None:
    owner = person(db, ctx, "owner")
    org = organization(db, ctx, owner, "acme")
    new = tokens.create_token(db, ctx, Principal(owner.id), org.id, name="CI", scopes=["read"])
    tokens.revoke_token(db, ctx, Principal(owner.id), org.id, new.token.id)
    for secret in (new.secret, new.secret[:-1] + "x", "not-a-token"):
        with pytest.raises(AuthenticationError, match="not valid"):
            tokens.authenticate(db, ctx, secret)
    with pytest.raises(ConflictError, match="already revoked"):
        tokens.revoke_token(db, ctx, Principal(owner.id), org.id, new.token.id)


def test_only_admins_and_owners_make_tokens_and_scopes_are_checked(
    db: Session, ctx: ServiceContext
) -> None:
    owner = person(db, ctx, "owner")
    awarder = person(db, ctx, "awarder")
    org = organization(db, ctx, owner, "acme")
    add(db, ctx, org, owner, awarder, Role.AWARDER)
    with pytest.raises(PermissionDeniedError):
        tokens.create_token(db, ctx, Principal(awarder.id), org.id, name="x", scopes=["read"])
    with pytest.raises(ValidationError, match="unknown everything"):
        tokens.create_token(db, ctx, Principal(owner.id), org.id, name="x", scopes=["everything"])
    listed = tokens.list_tokens(db, Principal(owner.id), org.id)
    assert listed == []


def test_the_operator_cannot_make_a_token_since_a_token_acts_for_a_person(
    db: Session, ctx: ServiceContext
) -> None:
    owner = person(db, ctx, "owner")
    org = organization(db, ctx, owner, "acme")
    with pytest.raises(PermissionDeniedError, match="acts for the person"):
        tokens.create_token(db, ctx, Principal.operator(), org.id, name="x", scopes=["read"])
    assert db.scalars(select(ApiToken)).all() == []
