"""An organisation always keeps an owner: the one rule, for every door that could break it.

Only an owner can manage an organisation's signing keys and make new owners; without
one, nobody could rotate a compromised key or hand the organisation on, and its
credentials could not be revoked by anyone who may. So the last owner cannot be demoted
(``authz.set_member_role``), removed or leave (``authz.remove_member``), nor delete
their account (``learners.wallet.delete_account``) while the organisation has no other
owner. Each refusal says what to do: make another member an owner first.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from credstack.core.errors import ConflictError
from credstack.store.models import Member, Organization, Role

LAST_OWNER = (
    "this is the organisation's last owner: make someone else an owner first "
    "(transfer ownership), then try again"
)


def owner_count(session: Session, organization_id: str) -> int:
    """How many owners the organisation has."""
    query = select(func.count(Member.id)).where(
        Member.organization_id == organization_id, Member.role == Role.OWNER
    )
    return int(session.scalar(query) or 0)


def keep_an_owner(session: Session, member: Member) -> None:
    """Refuse (``ConflictError``) to let ``member`` stop being an owner if they are the last."""
    if member.role == Role.OWNER and owner_count(session, member.organization_id) <= 1:
        raise ConflictError(LAST_OWNER)


def sole_owner_of(session: Session, user_id: str) -> Sequence[Organization]:
    """The organisations whose only owner is ``user_id``, by name."""
    other = aliased(Member)
    others = (
        select(func.count(other.id))
        .where(
            other.organization_id == Member.organization_id,
            other.role == Role.OWNER,
            other.user_id != user_id,
        )
        .scalar_subquery()
    )
    query = (
        select(Organization)
        .join(Member, Member.organization_id == Organization.id)
        .where(Member.user_id == user_id, Member.role == Role.OWNER, others == 0)
        .order_by(Organization.name, Organization.id)
    )
    return session.scalars(query).all()


def keep_owners_of(session: Session, user_id: str) -> None:
    """Refuse to delete an account that is the last owner of any organisation, naming them."""
    organizations = sole_owner_of(session, user_id)
    if organizations:
        names = ", ".join(f"{org.name} ({org.slug})" for org in organizations)
        raise ConflictError(
            f"you are the only owner of {names}: make another member an owner of each "
            "first (transfer ownership), then delete your account"
        )
