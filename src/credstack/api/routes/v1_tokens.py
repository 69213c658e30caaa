"""``/api/v1/organizations/{id}/tokens``: API tokens, shown once when created.

Managing tokens needs a person (session) with the admin or owner role: a token can
never create or revoke tokens (``services.accounts.authz``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from credstack.api.auth import ActingContext, ApiPrincipal
from credstack.api.dependencies import DbSession
from credstack.api.pagination import DEFAULT_LIMIT, Cursor, Limit, page_of
from credstack.services.accounts import tokens
from credstack.store.models import ApiToken

router = APIRouter(prefix="/api/v1", tags=["tokens"])


class TokenIn(BaseModel):
    name: str = Field(description="what the token is for, e.g. 'LMS integration'")
    scopes: list[str] = Field(description="any of read, award, admin")


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "scopes": list(token.scopes),
        "created": token.created_at.isoformat(),
        "last_used": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked": token.revoked_at.isoformat() if token.revoked_at else None,
    }


@router.post(
    "/organizations/{organization_id}/tokens",
    status_code=201,
    summary="Create a token; its text is in this answer only and cannot be shown again",
)
def create_token(
    organization_id: str,
    body: TokenIn,
    session: DbSession,
    principal: ApiPrincipal,
    ctx: ActingContext,
) -> dict[str, Any]:
    new = tokens.create_token(
        session, ctx, principal, organization_id, name=body.name, scopes=body.scopes
    )
    return token_json(new.token) | {"token": new.secret}


@router.get("/organizations/{organization_id}/tokens", summary="Tokens (never their text)")
def list_tokens(
    organization_id: str,
    request: Request,
    session: DbSession,
    principal: ApiPrincipal,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    found = list(tokens.list_tokens(session, principal, organization_id))
    return page_of(request, found, limit=limit, cursor=cursor, render=token_json)


@router.delete(
    "/organizations/{organization_id}/tokens/{token_id}", summary="Revoke a token at once"
)
def revoke_token(
    organization_id: str,
    token_id: str,
    session: DbSession,
    principal: ApiPrincipal,
    ctx: ActingContext,
) -> dict[str, Any]:
    return token_json(tokens.revoke_token(session, ctx, principal, organization_id, token_id))
