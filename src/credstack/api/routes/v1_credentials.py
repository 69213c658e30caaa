"""``/api/v1`` credentials and learners of my organisation.

``GET /api/v1/credentials/{id}`` answers the signed credential exactly as stored (the
bytes a verifier checks) with its award state, for members of the issuing organisation
whatever the learner's public/private choice. Learners are the people my organisation
has awarded, one row per e-mail address.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, select

from credstack.api.auth import ActingContext, ApiPrincipal
from credstack.api.dependencies import DbSession
from credstack.api.pagination import DEFAULT_LIMIT, Cursor, Limit, page
from credstack.api.routes.v1_awards import owned_award
from credstack.services.accounts import authz
from credstack.services.accounts.authz import Action
from credstack.services.issuing import awards
from credstack.store.models import Award

router = APIRouter(prefix="/api/v1", tags=["credentials"])


@router.get("/credentials/{award_id}", summary="The signed credential of an award, with its state")
def get_credential(
    award_id: str, session: DbSession, principal: ApiPrincipal, ctx: ActingContext
) -> dict[str, Any]:
    award = owned_award(session, principal, award_id, Action.VIEW)
    return {
        "id": award.id,
        "url": awards.award_url(ctx, award),
        "state": str(award.state),
        "credential": json.loads(award.credential),
    }


@router.get("/organizations/{organization_id}/learners", summary="People my organisation awarded")
def list_learners(
    organization_id: str,
    request: Request,
    session: DbSession,
    principal: ApiPrincipal,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    authz.require(session, principal, organization_id, Action.VIEW)
    query = (
        select(
            Award.recipient_email,
            func.max(Award.recipient_name),
            func.count(Award.id),
            func.min(Award.issued_at),
        )
        .where(Award.organization_id == organization_id)
        .group_by(Award.recipient_email)
        .order_by(Award.recipient_email)
    )
    return page(
        request, session, query, limit=limit, cursor=cursor,
        render=lambda row: {
            "email": row[0], "name": row[1], "awards": row[2], "first_award": row[3].isoformat()
        },
    )  # fmt: skip
