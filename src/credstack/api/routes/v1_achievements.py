"""``/api/v1`` achievements: list, get, create (JSON or YAML body), update, publish.

The body of create and update is the achievement definition (the same file format as
``credstack achievement create``), sent as JSON (``application/json``) or YAML
(``application/yaml``, ``text/yaml``). Editing needs the admin role or a token with the
``admin`` scope; an achievement of another organisation answers 404. The permission
checks are the services' (``services.achievements.lifecycle``), which take the caller.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from credstack.api.auth import ActingContext, ApiPrincipal
from credstack.api.dependencies import DbSession
from credstack.api.pagination import DEFAULT_LIMIT, Cursor, Limit, page_json, window
from credstack.core.errors import InputError
from credstack.services.accounts.authz import Action
from credstack.services.achievements import lifecycle as achievements
from credstack.services.context import ServiceContext
from credstack.store.models import Achievement

router = APIRouter(prefix="/api/v1", tags=["achievements"])

#: largest definition body accepted (a definition is text; images come separately)
MAX_DEFINITION_BYTES = 1024 * 1024
_TEXT_TYPES = ("application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/")
_DEFINITION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}


def achievement_json(ctx: ServiceContext, achievement: Achievement) -> dict[str, Any]:
    return {
        "id": achievement.id,
        "organization_id": achievement.organization_id,
        "lineage_id": achievement.lineage_id,
        "version": achievement.version,
        "name": achievement.name,
        "state": str(achievement.state),
        "eu_micro_credential": achievement.eu_micro_credential,
        "url": achievements.achievement_url(ctx, achievement),
        "definition": achievement.definition,
        "created": achievement.created_at.isoformat(),
        "updated": achievement.updated_at.isoformat(),
    }


async def definition_text(request: Request) -> str:
    """The request body as definition text (JSON and YAML both parse as YAML)."""
    content_type = request.headers.get("content-type", "application/json").lower()
    if not content_type.startswith(_TEXT_TYPES):
        raise InputError(
            f"send the definition as application/json or application/yaml, not {content_type}"
        )
    body = await request.body()
    if len(body) > MAX_DEFINITION_BYTES:
        raise InputError("the definition is larger than 1 MB")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the definition is not UTF-8 text") from None


@router.get("/organizations/{organization_id}/achievements", summary="Achievements, all versions")
def list_achievements(
    organization_id: str,
    request: Request,
    session: DbSession,
    principal: ApiPrincipal,
    ctx: ActingContext,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    chosen = window(limit, cursor)
    found = achievements.list_achievements(
        session, principal=principal, organization_id=organization_id, window=chosen
    )
    return page_json(request, found, chosen, lambda row: achievement_json(ctx, row))


@router.post(
    "/organizations/{organization_id}/achievements",
    status_code=201,
    summary="Create a draft achievement from a JSON or YAML definition",
    openapi_extra=_DEFINITION_BODY,
)
async def create_achievement(
    organization_id: str,
    request: Request,
    session: DbSession,
    principal: ApiPrincipal,
    ctx: ActingContext,
) -> dict[str, Any]:
    text = await definition_text(request)
    achievement = achievements.create_achievement(
        session, ctx, organization_id=organization_id, definition=text, principal=principal
    )
    return achievement_json(ctx, achievement)


@router.get("/achievements/{achievement_id}", summary="One achievement version")
def get_achievement(
    achievement_id: str, session: DbSession, principal: ApiPrincipal, ctx: ActingContext
) -> dict[str, Any]:
    found = achievements.achievement_for(session, principal, achievement_id, Action.VIEW)
    return achievement_json(ctx, found)


@router.put(
    "/achievements/{achievement_id}",
    summary="Change the definition (a published version gets a new draft version)",
    openapi_extra=_DEFINITION_BODY,
)
async def update_achievement(
    achievement_id: str,
    request: Request,
    session: DbSession,
    principal: ApiPrincipal,
    ctx: ActingContext,
) -> dict[str, Any]:
    text = await definition_text(request)
    updated = achievements.update(session, ctx, achievement_id, text, principal=principal)
    return achievement_json(ctx, updated)


@router.post(
    "/achievements/{achievement_id}/publish", summary="Publish a draft so it can be awarded"
)
def publish_achievement(
    achievement_id: str, session: DbSession, principal: ApiPrincipal, ctx: ActingContext
) -> dict[str, Any]:
    published = achievements.publish(session, ctx, achievement_id, principal=principal)
    return achievement_json(ctx, published)
