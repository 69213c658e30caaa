"""The public credential page ``/credentials/{id}`` (HTML) and its PDF certificate.

The same URL also serves the signed JSON (``api.routes.credentials``): browsers that ask
for HTML get this page, every other client gets the JSON. The page route is mounted
before the API router and *declines to match* unless the request prefers HTML, so JSON
clients fall through to the API route untouched (the two edges never import each other).

A credential whose learner turned its public page off (or declined it) shows a 404 page
to everyone but that learner; the signed JSON stays reachable for whoever holds the link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.routing import Match
from starlette.types import Scope

from credstack.services.context import ServiceContext
from credstack.services.learners import wallet
from credstack.services.learners.certificate_pdf import certificate_pdf
from credstack.services.learners.sharing import (
    award_facts,
    linkedin_add_url,
    qr_svg,
)
from credstack.services.verification.local import live_verification
from credstack.web.negotiation import PageRoute, prefers_html
from credstack.web.rendering import render
from credstack.web.sessions import OptionalUser, WebDb


class CredentialRoute(PageRoute):
    """A page about one credential: its 404 says which kind of thing is missing."""

    error_titles: ClassVar[Mapping[int, str]] = {404: "Credential not found"}


class HtmlPageRoute(CredentialRoute):
    """A route that matches only browsers asking for HTML, and ids without an extension."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.FULL:
            return match, child
        award_id = str(child.get("path_params", {}).get("award_id", ""))
        headers = dict(scope.get("headers") or [])
        accept = headers.get(b"accept", b"").decode("latin-1")
        if "." in award_id or not prefers_html(accept):
            return Match.NONE, {}
        return match, child


router = APIRouter(include_in_schema=False, route_class=CredentialRoute)


def page_context(request: Request) -> ServiceContext:
    return ServiceContext.from_settings(request.app.state.settings, actor="web")


def credential_page(request: Request, award_id: str, db: WebDb, user: OptionalUser) -> Response:
    award = wallet.visible_award(db, award_id, user)
    ctx = page_context(request)
    facts = award_facts(db, ctx, award)
    report = live_verification(db, ctx, award)
    context: dict[str, Any] = {
        "facts": facts,
        "award": award,
        "report": report,
        "linkedin_url": linkedin_add_url(facts),
        "qr_svg": qr_svg(facts.url),
        "private": not wallet.is_publicly_visible(award),
    }
    response = render(request, "credential/page.html", user=user, **context)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-store"  # the live result must be live
    return response


@router.get("/credentials/{award_id}.pdf", summary="A printable A4 certificate")
def credential_pdf(request: Request, award_id: str, db: WebDb, user: OptionalUser) -> Response:
    award = wallet.visible_award(db, award_id, user)
    pdf = certificate_pdf(award_facts(db, page_context(request), award))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="credential-{award.id}.pdf"',
            "Cache-Control": "private, no-cache",
        },
    )


router.add_api_route(
    "/credentials/{award_id}",
    credential_page,
    methods=["GET"],
    response_class=HTMLResponse,
    route_class_override=HtmlPageRoute,
)
