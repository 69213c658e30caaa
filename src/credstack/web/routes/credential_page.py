"""The public credential page ``/credentials/{id}`` (HTML) and its PDF certificate.

The same URL also serves the signed JSON (``api.routes.credentials``): browsers that ask
for HTML get this page, every other client gets the JSON. The page route is mounted
before the API router and *declines to match* unless the request prefers HTML, so JSON
clients fall through to the API route untouched (the two edges never import each other).

A credential whose learner turned its public page off (or declined it) shows a 404 page
to everyone but that learner; the signed JSON stays reachable for whoever holds the link.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.routing import Match
from starlette.types import Scope

from credstack.services.context import ServiceContext
from credstack.services.learners import wallet
from credstack.services.learners.certificate_pdf import certificate_pdf
from credstack.services.learners.sharing import (
    CredentialFacts,
    credential_facts,
    linkedin_add_url,
    live_verification,
    qr_svg,
)
from credstack.store.models import Award, Organization, User
from credstack.web.rendering import render
from credstack.web.sessions import OptionalUser, WebDb

_JSON_TYPES = ("application/json", "application/ld+json", "application/vc")


def prefers_html(accept: str) -> bool:
    """True when ``text/html`` is asked for before any JSON type (what browsers send)."""
    accept = accept.lower()
    html_at = accept.find("text/html")
    if html_at < 0:
        return False
    return all(not (0 <= accept.find(t) < html_at) for t in _JSON_TYPES)


class HtmlPageRoute(APIRoute):
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


router = APIRouter(include_in_schema=False)
page_router = APIRouter(include_in_schema=False, route_class=HtmlPageRoute)


def page_context(request: Request) -> ServiceContext:
    return ServiceContext.from_settings(request.app.state.settings, actor="web")


def visible_award(db: Session, award_id: str, user: User | None) -> Award | None:
    """The award if this viewer may see its page: public, or the viewer is its learner."""
    award = db.get(Award, award_id)
    if award is None:
        return None
    if wallet.is_publicly_visible(award):
        return award
    if user is not None:
        learner = wallet.learner_of(db, user)
        if learner is not None and award.learner_id == learner.id:
            return award
    return None


def _not_found(request: Request, user: User | None) -> HTMLResponse:
    return render(
        request,
        "error.html",
        status_code=404,
        user=user,
        title="Credential not found",
        message="There is no public credential at this address. Its owner may have made it "
        "private, or the link is mistyped.",
    )


def _facts(db: Session, ctx: ServiceContext, award: Award) -> CredentialFacts:
    issuer = db.get(Organization, award.organization_id)
    if issuer is None:  # RESTRICT foreign key: cannot happen short of manual surgery
        raise LookupError(f"award {award.id} has no issuer")
    return credential_facts(ctx, award, issuer)


@page_router.get("/credentials/{award_id}", response_class=HTMLResponse)
def credential_page(request: Request, award_id: str, db: WebDb, user: OptionalUser) -> Response:
    award = visible_award(db, award_id, user)
    if award is None:
        return _not_found(request, user)
    ctx = page_context(request)
    facts = _facts(db, ctx, award)
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
    award = visible_award(db, award_id, user)
    if award is None:
        return _not_found(request, user)
    pdf = certificate_pdf(_facts(db, page_context(request), award))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="credential-{award.id}.pdf"',
            "Cache-Control": "private, no-cache",
        },
    )


router.include_router(page_router)
