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

from credstack.api.auth import ActingContext, ApiPrincipal
from credstack.api.dependencies import DbSession
from credstack.api.pagination import DEFAULT_LIMIT, Cursor, Limit, page_json, window
from credstack.services.accounts.authz import Action
from credstack.services.issuing import awards, listing
from credstack.services.issuing.listing import Recipient

router = APIRouter(prefix="/api/v1", tags=["credentials"])


@router.get("/credentials/{award_id}", summary="The signed credential of an award, with its state")
def get_credential(
    award_id: str, session: DbSession, principal: ApiPrincipal, ctx: ActingContext
) -> dict[str, Any]:
    award = listing.award_for(session, principal, award_id, Action.VIEW)
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
    chosen = window(limit, cursor)
    found = listing.list_recipients(session, organization_id, chosen, principal=principal)
    return page_json(request, found, chosen, _recipient_json)


def _recipient_json(recipient: Recipient) -> dict[str, Any]:
    return {
        "email": recipient.email,
        "name": recipient.name,
        "awards": recipient.awards,
        "first_award": recipient.first_award.isoformat(),
    }
