"""An organisation always keeps an owner: demotion, removal, leaving and account deletion."""

from __future__ import annotations

import pytest
from auth_fixtures import add, ctx, organization, person
from sqlalchemy.orm import Session

from credstack.core.errors import ConflictError, NotFoundError, PermissionDeniedError
from credstack.services.accounts import authz
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.services.learners import wallet
from credstack.store.models import Role, User

__all__ = ["ctx"]


def _roles(db: Session, org_id: str, who: User) -> dict[str, Role]:
    return {user.email: role for user, role in authz.members(db, Principal(who.id), org_id)}


def test_the_sole_owner_can_neither_leave_nor_be_removed(db: Session, ctx: ServiceContext) -> None:
    owner, admin = person(db, ctx, "owner"), person(db, ctx, "admin")
    org = organization(db, ctx, owner, "acme")
    add(db, ctx, org, owner, admin, Role.ADMIN)
    with pytest.raises(ConflictError, match="last owner: make someone else an owner first"):
        authz.remove_member(db, ctx, Principal(owner.id), org.id, owner.id)
    with pytest.raises(PermissionDeniedError, match="only an owner may remove an owner"):
        authz.remove_member(db, ctx, Principal(admin.id), org.id, owner.id)
    assert _roles(db, org.id, owner)["owner@example.org"] is Role.OWNER


def test_after_a_transfer_the_former_owner_may_leave(db: Session, ctx: ServiceContext) -> None:
    owner, heir = person(db, ctx, "owner"), person(db, ctx, "heir")
    org = organization(db, ctx, owner, "acme")
    add(db, ctx, org, owner, heir, Role.OWNER)
    authz.remove_member(db, ctx, Principal(owner.id), org.id, owner.id)
    assert _roles(db, org.id, heir) == {"heir@example.org": Role.OWNER}
    with pytest.raises(ConflictError, match="last owner"):
        authz.remove_member(db, ctx, Principal(heir.id), org.id, heir.id)


def test_members_leave_and_admins_remove_others(db: Session, ctx: ServiceContext) -> None:
    owner, admin = person(db, ctx, "owner"), person(db, ctx, "admin")
    viewer, awarder = person(db, ctx, "viewer"), person(db, ctx, "awarder")
    org = organization(db, ctx, owner, "acme")
    for who, role in ((admin, Role.ADMIN), (viewer, Role.VIEWER), (awarder, Role.AWARDER)):
        add(db, ctx, org, owner, who, role)
    authz.remove_member(db, ctx, Principal(viewer.id), org.id, viewer.id)  # leaving
    with pytest.raises(PermissionDeniedError):
        authz.remove_member(db, ctx, Principal(awarder.id), org.id, admin.id)
    authz.remove_member(db, ctx, Principal(admin.id), org.id, awarder.id)
    assert set(_roles(db, org.id, owner)) == {"owner@example.org", "admin@example.org"}
    with pytest.raises(NotFoundError, match="no member"):
        authz.remove_member(db, ctx, Principal(admin.id), org.id, awarder.id)


def test_the_sole_owner_cannot_delete_their_account(db: Session, ctx: ServiceContext) -> None:
    owner, admin = person(db, ctx, "owner"), person(db, ctx, "admin")
    first = organization(db, ctx, owner, "first")
    organization(db, ctx, owner, "second")
    add(db, ctx, first, owner, admin, Role.OWNER)  # first has another owner, second has not
    with pytest.raises(ConflictError) as refused:
        wallet.delete_account(db, ctx, owner)
    assert "the only owner of Org second (second)" in refused.value.message
    assert "first" not in refused.value.message.split(":")[0]
    assert "transfer ownership" in refused.value.message
    assert db.get(User, owner.id) is owner
    wallet.delete_account(db, ctx, admin)  # admin co-owns first only with owner: fine
