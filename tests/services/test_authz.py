"""Roles per organisation: the action table, outsiders see nothing, owners stay."""

from __future__ import annotations

import pytest
from auth_fixtures import add, ctx, organization, person
from sqlalchemy.orm import Session

from credstack.core.errors import ConflictError, NotFoundError, PermissionDeniedError
from credstack.services.accounts import authz
from credstack.services.accounts.authz import Action
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.store.models import Role

__all__ = ["ctx"]

ALLOWED = {
    Role.OWNER: set(Action),
    Role.ADMIN: set(Action) - {Action.MANAGE_KEYS},
    Role.AWARDER: {Action.VIEW, Action.AWARD, Action.REVOKE},
    Role.VIEWER: {Action.VIEW},
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_exactly_its_actions(db: Session, ctx: ServiceContext, role: Role) -> None:
    owner = person(db, ctx, "owner")
    org = organization(db, ctx, owner, "acme")
    member = owner
    if role != Role.OWNER:
        member = person(db, ctx, "member")
        add(db, ctx, org, owner, member, role)
    for action in Action:
        if action in ALLOWED[role]:
            assert authz.require(db, Principal(user_id=member.id), org.id, action) == role
        else:
            with pytest.raises(PermissionDeniedError, match="needs the role"):
                authz.require(db, Principal(user_id=member.id), org.id, action)


def test_an_outsider_gets_not_found_as_for_a_missing_organisation(
    db: Session, ctx: ServiceContext
) -> None:
    owner = person(db, ctx, "owner")
    outsider = person(db, ctx, "outsider")
    org = organization(db, ctx, owner, "acme")
    with pytest.raises(NotFoundError) as theirs:
        authz.require(db, Principal(user_id=outsider.id), org.id, Action.VIEW)
    with pytest.raises(NotFoundError) as missing:
        authz.require(db, Principal(user_id=outsider.id), "no-such-id", Action.VIEW)
    assert str(theirs.value).replace(org.id, "X") == str(missing.value).replace("no-such-id", "X")


def test_a_token_is_limited_by_its_scopes_and_its_organisation(
    db: Session, ctx: ServiceContext
) -> None:
    owner = person(db, ctx, "owner")
    org = organization(db, ctx, owner, "acme")
    other = organization(db, ctx, owner, "other")
    reader = Principal(owner.id, "t1", org.id, frozenset({"read"}))
    assert authz.require(db, reader, org.id, Action.VIEW) == Role.OWNER
    with pytest.raises(PermissionDeniedError, match="'award'"):
        authz.require(db, reader, org.id, Action.AWARD)
    with pytest.raises(NotFoundError):
        authz.require(db, reader, other.id, Action.VIEW)
    admin_token = Principal(owner.id, "t2", org.id, frozenset({"admin"}))
    with pytest.raises(PermissionDeniedError, match="signed-in person"):
        authz.require(db, admin_token, org.id, Action.MANAGE_TOKENS)


def test_a_token_never_exceeds_its_makers_current_role(db: Session, ctx: ServiceContext) -> None:
    owner = person(db, ctx, "owner")
    org = organization(db, ctx, owner, "acme")
    viewer = person(db, ctx, "viewer")
    add(db, ctx, org, owner, viewer, Role.VIEWER)
    token = Principal(viewer.id, "t1", org.id, frozenset({"award"}))
    with pytest.raises(PermissionDeniedError, match="needs the role awarder"):
        authz.require(db, token, org.id, Action.AWARD)


def test_the_creator_owns_the_new_organisation(db: Session, ctx: ServiceContext) -> None:
    owner = person(db, ctx, "owner")
    org = organization(db, ctx, owner, "acme")
    assert [(o.id, r) for o, r in authz.organizations_of(db, Principal(owner.id))] == [
        (org.id, Role.OWNER)
    ]


def test_only_owners_make_owners_and_the_last_owner_stays(db: Session, ctx: ServiceContext) -> None:
    owner = person(db, ctx, "owner")
    admin = person(db, ctx, "admin")
    org = organization(db, ctx, owner, "acme")
    add(db, ctx, org, owner, admin, Role.ADMIN)
    with pytest.raises(PermissionDeniedError, match="only an owner"):
        authz.set_member_role(
            db, ctx, Principal(admin.id), org.id, email=admin.email, role=Role.OWNER
        )
    with pytest.raises(ConflictError, match="last owner"):
        authz.set_member_role(
            db, ctx, Principal(owner.id), org.id, email=owner.email, role=Role.ADMIN
        )
    add(db, ctx, org, owner, admin, Role.OWNER)
    authz.set_member_role(db, ctx, Principal(owner.id), org.id, email=owner.email, role=Role.ADMIN)
    roles = {user.email: role for user, role in authz.members(db, Principal(admin.id), org.id)}
    assert roles == {"admin@example.org": Role.OWNER, "owner@example.org": Role.ADMIN}


def test_adding_an_unknown_email_says_to_sign_up_first(db: Session, ctx: ServiceContext) -> None:
    owner = person(db, ctx, "owner")
    org = organization(db, ctx, owner, "acme")
    with pytest.raises(NotFoundError, match="sign up first"):
        authz.set_member_role(
            db, ctx, Principal(owner.id), org.id, email="ghost@example.org", role=Role.VIEWER
        )


def test_the_operator_may_do_everything_everywhere_and_sees_every_organisation(
    db: Session, ctx: ServiceContext
) -> None:
    owner = person(db, ctx, "owner")
    acme = organization(db, ctx, owner, "acme")
    other = organization(db, ctx, owner, "other")
    operator = Principal.operator()
    assert operator.is_operator and not operator.is_token and operator.actor == "cli"
    for org in (acme, other):
        for action in Action:
            assert authz.require(db, operator, org.id, action) == Role.OWNER
    assert [o.slug for o, role in authz.organizations_of(db, operator)] == ["acme", "other"]
    with pytest.raises(NotFoundError):
        authz.organization_for(db, operator, "no-such-id", Action.VIEW)
