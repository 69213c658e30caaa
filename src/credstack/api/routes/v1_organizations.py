"""``/api/v1/organizations``: my organisations, one organisation, its members.

Creating an organisation makes the caller its owner. Every route goes through
``services.accounts.authz``: an organisation the caller is not a member of answers 404.
The last owner can be neither demoted nor removed, nor leave (409,
``services.accounts.ownership``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from credstack.api.auth import ActingContext, ApiPrincipal
from credstack.api.dependencies import DbSession
from credstack.api.pagination import DEFAULT_LIMIT, Cursor, Limit, page_of
from credstack.services.accounts import authz
from credstack.services.accounts.authz import Action
from credstack.services.context import ServiceContext
from credstack.services.issuers.profiles import profile_url
from credstack.store.models import Organization, Role, User

router = APIRouter(prefix="/api/v1", tags=["organisations"])


class OrganizationIn(BaseModel):
    """The issuer profile of a new organisation (printed in every credential it signs)."""

    name: str
    type: str = Field(description="university, association, company, training_provider, other")
    url: str
    country: str = Field(description="ISO 3166-1 alpha-2, e.g. NL")
    region: str | None = None
    email: str | None = None
    description: str | None = None
    linkedin_organization_id: str | None = None
    slug: str | None = None


class MemberIn(BaseModel):
    email: str
    role: Role


def organization_json(
    ctx: ServiceContext, organization: Organization, role: Role | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": organization.id,
        "slug": organization.slug,
        "name": organization.name,
        "type": str(organization.type),
        "url": organization.url,
        "country": organization.country,
        "region": organization.region,
        "email": organization.email,
        "description": organization.description,
        "linkedin_organization_id": organization.linkedin_organization_id,
        "did": organization.did,
        "profile": profile_url(ctx, organization),
        "created": organization.created_at.isoformat(),
    }
    if role is not None:
        body["role"] = str(role)
    return body


def _member_json(pair: tuple[User, Role]) -> dict[str, Any]:
    user, role = pair
    return {"user_id": user.id, "email": user.email, "name": user.name, "role": str(role)}


@router.get("/organizations", summary="The organisations I belong to, with my role")
def list_organizations(
    request: Request,
    session: DbSession,
    principal: ApiPrincipal,
    ctx: ActingContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    pairs = list(authz.organizations_of(session, principal))
    return page_of(
        request, pairs, limit=limit, cursor=cursor,
        render=lambda pair: organization_json(ctx, pair[0], pair[1]),
    )  # fmt: skip


@router.post("/organizations", status_code=201, summary="Create an organisation (I become owner)")
def create_organization(
    body: OrganizationIn, session: DbSession, principal: ApiPrincipal, ctx: ActingContext
) -> dict[str, Any]:
    organization = authz.create_organization(session, ctx, principal, **body.model_dump())
    return organization_json(ctx, organization, Role.OWNER)


@router.get("/organizations/{organization_id}", summary="One of my organisations")
def get_organization(
    organization_id: str, session: DbSession, principal: ApiPrincipal, ctx: ActingContext
) -> dict[str, Any]:
    organization, role = authz.organization_and_role(
        session, principal, organization_id, Action.VIEW
    )
    return organization_json(ctx, organization, role)


@router.get("/organizations/{organization_id}/members", summary="Members and their roles")
def list_members(
    organization_id: str,
    request: Request,
    session: DbSession,
    principal: ApiPrincipal,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    pairs = list(authz.members(session, principal, organization_id))
    return page_of(request, pairs, limit=limit, cursor=cursor, render=_member_json)


@router.post(
    "/organizations/{organization_id}/members",
    summary="Add an existing account by e-mail with a role, or change its role",
)
def set_member(
    organization_id: str,
    body: MemberIn,
    session: DbSession,
    principal: ApiPrincipal,
    ctx: ActingContext,
) -> dict[str, Any]:
    return _member_json(
        authz.set_member_role(
            session, ctx, principal, organization_id, email=body.email, role=body.role
        )
    )


@router.delete(
    "/organizations/{organization_id}/members/{user_id}",
    status_code=204,
    summary="Remove a member, or leave (my own user id); the last owner stays",
)
def remove_member(
    organization_id: str,
    user_id: str,
    session: DbSession,
    principal: ApiPrincipal,
    ctx: ActingContext,
) -> Response:
    authz.remove_member(session, ctx, principal, organization_id, user_id)
    return Response(status_code=204)
