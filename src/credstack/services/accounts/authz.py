"""Who may do what in an organisation: one table of actions and the least role each needs.

Roles rank owner > admin > awarder > viewer. Every use case that acts on an
organisation's things takes the acting ``principal`` and calls :func:`require` (or
:func:`require_on`, :func:`organization_for`) itself, so the rule holds whichever door a
request comes through: the API, the web pages, the CLI. The CLI and the background loops
of ``credstack.workers`` pass ``Principal.operator()``, which may do everything.

Every door passes its principal: the API and the pages the signed-in person's or token's,
the CLI and the workers the operator's. A few use cases still accept ``principal=None``
for callers inside the services and tests that have checked already (the wallet's
claim-link resend has no principal by design: the link is the authority). Making the
parameter required is the next step; ``grep -n "principal: Principal | None"`` finds them.

| action              | least role | token scope needed |
|---------------------|------------|--------------------|
| ``view``            | viewer     | read, award, admin |
| ``award``           | awarder    | award, admin       |
| ``revoke``          | awarder    | award, admin       |
| ``edit_achievements`` | admin    | admin              |
| ``edit_organization`` | admin    | admin              |
| ``manage_members``  | admin      | (people only)      |
| ``manage_tokens``   | admin      | (people only)      |
| ``manage_keys``     | owner      | (people only)      |

Members, tokens and keys are managed by people only: a leaked token must not be able to
mint further tokens or let in new members. Only an owner may make or unmake an owner.

A caller who is not a member of the organisation (or whose token belongs to another
one) gets ``NotFoundError``, exactly as if the organisation did not exist: answering
"forbidden" would confirm to an outsider that the id is real. A member whose role is too
low gets ``PermissionDeniedError``, naming the role needed: they already know it exists.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
)
from credstack.services import audit
from credstack.services.accounts import ownership
from credstack.services.accounts import users as accounts
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.services.issuers.profiles import create_issuer
from credstack.store.models import Member, Organization, Role, User


class Action(enum.StrEnum):
    """Things a principal may try to do in an organisation."""

    VIEW = "view"
    AWARD = "award"
    REVOKE = "revoke"
    EDIT_ACHIEVEMENTS = "edit_achievements"
    EDIT_ORGANIZATION = "edit_organization"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_TOKENS = "manage_tokens"
    MANAGE_KEYS = "manage_keys"


#: rank of each role: a role may do everything a lower-ranked role may
ROLE_RANK: dict[Role, int] = {Role.VIEWER: 1, Role.AWARDER: 2, Role.ADMIN: 3, Role.OWNER: 4}

#: the least role each action needs
MINIMUM_ROLE: dict[Action, Role] = {
    Action.VIEW: Role.VIEWER,
    Action.AWARD: Role.AWARDER,
    Action.REVOKE: Role.AWARDER,
    Action.EDIT_ACHIEVEMENTS: Role.ADMIN,
    Action.EDIT_ORGANIZATION: Role.ADMIN,
    Action.MANAGE_MEMBERS: Role.ADMIN,
    Action.MANAGE_TOKENS: Role.ADMIN,
    Action.MANAGE_KEYS: Role.OWNER,
}

#: token scopes and the actions each allows (members, tokens and keys: people only)
SCOPE_ACTIONS: dict[str, frozenset[Action]] = {
    "read": frozenset({Action.VIEW}),
    "award": frozenset({Action.VIEW, Action.AWARD, Action.REVOKE}),
    "admin": frozenset(
        {
            Action.VIEW,
            Action.AWARD,
            Action.REVOKE,
            Action.EDIT_ACHIEVEMENTS,
            Action.EDIT_ORGANIZATION,
        }
    ),
}
SCOPES: tuple[str, ...] = tuple(SCOPE_ACTIONS)


def not_found(organization_id: str) -> NotFoundError:
    """The one answer for "no such organisation" and "not yours" (see the module docstring)."""
    return NotFoundError(f"no organisation with id {organization_id!r}")


def require(session: Session, principal: Principal, organization_id: str, action: Action) -> Role:
    """The principal's role in the organisation if it allows ``action``; raises otherwise.

    The operator gets ``owner`` everywhere (see ``Principal.operator``).
    """
    if principal.is_operator:
        return Role.OWNER
    if principal.is_token:
        if principal.token_organization_id != organization_id:
            raise not_found(organization_id)
        allowed = set().union(
            *(SCOPE_ACTIONS.get(scope, frozenset()) for scope in principal.scopes)
        )
        if action not in allowed:
            raise PermissionDeniedError(
                f"this API token's scopes ({', '.join(sorted(principal.scopes)) or 'none'}) do "
                f"not allow '{action}': {_scope_hint(action)}"
            )
        if principal.is_organization_token:
            return scope_role(principal.scopes)
    if principal.user_id is None:
        raise AuthenticationError("sign in or send an API token to do this")
    member = accounts.membership(session, principal.user_id, organization_id)
    if member is None:
        raise not_found(organization_id)
    needed = MINIMUM_ROLE[action]
    if ROLE_RANK[member.role] < ROLE_RANK[needed]:
        raise PermissionDeniedError(
            f"'{action}' needs the role {needed} or higher in this organisation; you are "
            f"{member.role}: ask an owner or admin to change your role"
        )
    return member.role


def require_on(
    session: Session,
    principal: Principal,
    organization_id: str,
    action: Action,
    missing: NotFoundError,
) -> Role:
    """:func:`require` for a thing of an organisation (an award, an achievement, a job).

    An outsider gets ``missing``, the very error an id that does not exist gets, so ids of
    other organisations cannot be probed.
    """
    try:
        return require(session, principal, organization_id, action)
    except NotFoundError:
        raise missing from None


def scope_role(scopes: frozenset[str]) -> Role:
    """The role an organisation token stands in for: the least role its scopes need."""
    if "admin" in scopes:
        return Role.ADMIN
    return Role.AWARDER if "award" in scopes else Role.VIEWER


def organization_for(
    session: Session, principal: Principal, organization_id: str, action: Action
) -> Organization:
    """The organisation, once ``principal`` is allowed ``action`` in it."""
    return organization_and_role(session, principal, organization_id, action)[0]


def organizations_of(session: Session, principal: Principal) -> Sequence[tuple[Organization, Role]]:
    """The organisations a principal may see, with its role (a token sees only its own)."""
    if principal.is_operator:
        everything = session.scalars(select(Organization).order_by(Organization.slug))
        return [(organization, Role.OWNER) for organization in everything]
    if principal.is_organization_token and principal.token_organization_id is not None:
        organization = session.get(Organization, principal.token_organization_id)
        return [(organization, scope_role(principal.scopes))] if organization else []
    if principal.user_id is None:
        return []
    pairs = accounts.memberships(session, principal.user_id)
    if principal.is_token:
        return [pair for pair in pairs if pair[0].id == principal.token_organization_id]
    return pairs


def create_organization(
    session: Session, ctx: ServiceContext, principal: Principal, **fields: str | bytes | None
) -> Organization:
    """Create an issuer organisation (``issuers.profiles.create_issuer``) owned by its creator."""
    if principal.is_token or principal.user_id is None:
        raise PermissionDeniedError(
            "organisations are created by a signed-in person, not by an API token"
        )
    organization = create_issuer(session, ctx, **fields)  # type: ignore[arg-type]
    session.add(
        Member(
            user_id=principal.user_id,
            organization_id=organization.id,
            role=Role.OWNER,
            created_at=ctx.now(),
        )
    )
    session.flush()
    return organization


def set_member_role(
    session: Session,
    ctx: ServiceContext,
    principal: Principal,
    organization_id: str,
    *,
    email: str,
    role: Role,
) -> tuple[User, Role]:
    """Add the account with ``email`` to the organisation with ``role``, or change its role.

    Returns the account and its role now, as :func:`members` lists them.

    Only owners grant or take away ``owner``; the last owner cannot be demoted (the
    organisation would be left without anyone able to manage its keys).
    """
    acting_role = require(session, principal, organization_id, Action.MANAGE_MEMBERS)
    user = accounts.user_by_email(session, email)
    if user is None:
        raise NotFoundError(
            f"no account with the e-mail address {accounts.normalise_email(email)}: "
            "ask them to sign up first, then add them"
        )
    existing = accounts.membership(session, user.id, organization_id)
    touches_owner = role == Role.OWNER or (existing is not None and existing.role == Role.OWNER)
    if touches_owner and acting_role != Role.OWNER:
        raise PermissionDeniedError("only an owner may make someone an owner or change an owner")
    if existing is not None and role != Role.OWNER:
        ownership.keep_an_owner(session, existing)
    if existing is None:
        existing = Member(
            user_id=user.id, organization_id=organization_id, role=role, created_at=ctx.now()
        )
        session.add(existing)
    else:
        existing.role = role
    session.flush()
    audit.record(
        session,
        ctx,
        "member.role_set",
        subject_type="user",
        subject_id=user.id,
        organization_id=organization_id,
        data={"role": str(role)},
    )
    return user, existing.role


def members(
    session: Session, principal: Principal, organization_id: str
) -> Sequence[tuple[User, Role]]:
    """The organisation's members and roles (any member may see who else is in it)."""
    require(session, principal, organization_id, Action.VIEW)
    return accounts.members_of(session, organization_id)


def remove_member(
    session: Session, ctx: ServiceContext, principal: Principal, organization_id: str, user_id: str
) -> None:
    """Take ``user_id`` out of the organisation; a member may always leave (remove themselves).

    Removing someone else needs ``manage_members``, removing an owner needs an owner, and
    the last owner stays (``ownership.keep_an_owner``).
    """
    leaving = principal.user_id == user_id and not principal.is_token
    acting_role = require(
        session, principal, organization_id, Action.VIEW if leaving else Action.MANAGE_MEMBERS
    )
    member = accounts.membership(session, user_id, organization_id)
    if member is None:
        raise NotFoundError(f"no member with user id {user_id!r} in this organisation")
    if member.role == Role.OWNER and acting_role != Role.OWNER:
        raise PermissionDeniedError("only an owner may remove an owner")
    ownership.keep_an_owner(session, member)
    session.delete(member)
    session.flush()
    audit.record(
        session,
        ctx,
        "member.removed",
        subject_type="user",
        subject_id=user_id,
        organization_id=organization_id,
        data={"role": str(member.role), "left": leaving},
    )


def _scope_hint(action: Action) -> str:
    scopes = [scope for scope, actions in SCOPE_ACTIONS.items() if action in actions]
    if not scopes:
        return "only a signed-in person may do this"
    return "use a token with the scope " + " or ".join(repr(s) for s in scopes)


def organization_and_role(
    session: Session, principal: Principal, organization_id: str, action: Action
) -> tuple[Organization, Role]:
    """The organisation and the principal's role in it, once ``action`` is allowed there."""
    role = require(session, principal, organization_id, action)
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise not_found(organization_id)
    return organization, role
