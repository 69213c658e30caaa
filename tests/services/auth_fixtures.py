"""People and organisations for the account, authorisation and token tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from credstack.services.accounts import authz
from credstack.services.accounts import users as accounts
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.store.models import Organization, Role, User
from issued_awards import make_context

PASSWORD = "correct horse battery"


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return make_context(tmp_path)


def person(db: Session, ctx: ServiceContext, name: str) -> User:
    return accounts.sign_up(
        db, ctx, email=f"{name}@example.org", name=name.title(), password=PASSWORD
    )


def organization(db: Session, ctx: ServiceContext, owner: User, slug: str) -> Organization:
    return authz.create_organization(
        db,
        ctx,
        Principal(user_id=owner.id),
        name=f"Org {slug}",
        type="company",
        url="https://org.example",
        country="FR",
        slug=slug,
    )


def add(
    db: Session, ctx: ServiceContext, org: Organization, owner: User, who: User, role: Role
) -> None:
    authz.set_member_role(db, ctx, Principal(user_id=owner.id), org.id, email=who.email, role=role)
