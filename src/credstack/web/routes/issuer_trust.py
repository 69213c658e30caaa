"""The issuer's own verification: download its domain linkage file, ask for a domain check.

An organisation's admins and owners may do both (``edit_organization``); anyone else
gets the dashboard's 404. The check fetches the issuer's website through the verifier's
fetcher (``services.issuers.domain_linkage``); plain http to loopback only when the
deployment allows it (``CREDSTACK_ALLOW_HTTP_LOOPBACK``, for tests).
"""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import Response

from credstack.core.fetching import FetchPolicy
from credstack.services.issuers.domain_linkage import check_domain, issuer_configuration
from credstack.services.verification.fetcher import HttpFetcher
from credstack.web.access import MayEditOrganization
from credstack.web.negotiation import page_router
from credstack.web.rendering import flash, redirect
from credstack.web.sessions import WebDb

router = page_router()


@router.get("/dashboard/{organization_id}/did-configuration.json")
def did_configuration_file(db: WebDb, member: MayEditOrganization) -> Response:
    """The file the issuer publishes on its website to prove the link to its DID."""
    document = issuer_configuration(db, member.ctx, member.organization)
    return Response(
        json.dumps(document, indent=2) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="did-configuration.json"'},
    )


@router.post("/dashboard/{organization_id}/domain-check")
def domain_check(request: Request, db: WebDb, member: MayEditOrganization) -> Response:
    """Check the issuer's website now and say what was found."""
    organization = member.organization
    policy = FetchPolicy(allow_http_loopback=bool(request.app.state.settings.allow_http_loopback))
    network = HttpFetcher(policy, what="DID configuration")
    result = check_domain(db, member.ctx, organization, fetch=network)
    if result.trust.verified:
        flash(request, f"{result.linkage.message}. {organization.name} is verified.", "success")
    elif result.linkage.linked:
        flash(request, f"{result.linkage.message}, but {result.trust.label}.", "info")
    else:
        flash(request, result.linkage.message, "error")
    return redirect(f"/dashboard/{organization.id}")
