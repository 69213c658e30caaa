"""The issuer's own verification: download its domain linkage file, ask for a domain check.

An organisation's admins and owners may do both (``edit_organization``); anyone else
gets the dashboard's 404. The check fetches the issuer's website through the verifier's
fetcher (``services.issuers.domain_linkage``); plain http to loopback only when the
deployment allows it (``CREDSTACK_ALLOW_HTTP_LOOPBACK``, for tests).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from credstack.core.errors import NotFoundError, PermissionDeniedError
from credstack.services.accounts import authz
from credstack.services.context import ServiceContext
from credstack.services.issuers.domain_linkage import check_domain, issuer_configuration
from credstack.store.models import Organization, User
from credstack.web.rendering import flash, redirect, sign_in_first
from credstack.web.routes.auth import page_context
from credstack.web.routes.dashboard import not_found, principal_of
from credstack.web.sessions import OptionalUser, WebDb

router = APIRouter(include_in_schema=False)


def _editable(
    request: Request, db: WebDb, user: User | None, organization_id: str
) -> tuple[Organization, ServiceContext] | Response:
    """The organisation and the acting context, or the page to answer instead."""
    if user is None:
        return sign_in_first(request)
    try:
        organization = authz.organization_for(
            db, principal_of(user), organization_id, authz.Action.EDIT_ORGANIZATION
        )
    except (NotFoundError, PermissionDeniedError):
        return not_found(request, user)
    return organization, page_context(request, f"user:{user.id}")


@router.get("/dashboard/{organization_id}/did-configuration.json")
def did_configuration_file(
    request: Request, organization_id: str, db: WebDb, user: OptionalUser
) -> Response:
    """The file the issuer publishes on its website to prove the link to its DID."""
    found = _editable(request, db, user, organization_id)
    if isinstance(found, Response):
        return found
    organization, ctx = found
    document = issuer_configuration(db, ctx, organization)
    return Response(
        json.dumps(document, indent=2) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="did-configuration.json"'},
    )


@router.post("/dashboard/{organization_id}/domain-check")
def domain_check(request: Request, organization_id: str, db: WebDb, user: OptionalUser) -> Response:
    """Check the issuer's website now and say what was found."""
    found = _editable(request, db, user, organization_id)
    if isinstance(found, Response):
        return found
    organization, ctx = found
    allow_loopback = bool(request.app.state.settings.allow_http_loopback)
    result = check_domain(db, ctx, organization, allow_http_loopback=allow_loopback)
    if result.trust.verified:
        flash(request, f"{result.linkage.message}. {organization.name} is verified.", "success")
    elif result.linkage.linked:
        flash(request, f"{result.linkage.message}, but {result.trust.label}.", "info")
    else:
        flash(request, result.linkage.message, "error")
    return redirect(f"/dashboard/{organization.id}")
