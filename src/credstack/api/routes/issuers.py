"""Public issuer URLs (architecture §5): the OB 3.0 Profile, the DID document and the logo.

These URLs are printed inside signed credentials and resolved by verifiers everywhere
(``did:web:host:issuers:<slug>`` resolves to ``https://host/issuers/<slug>/did.json``),
so they need no sign-in and must answer quickly: the DID document is built from the key
rows on every request, which is what makes a compromised key disappear at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from credstack.api.dependencies import DbSession, get_settings
from credstack.api.openapi import BINARY, JSON_DOCUMENT, JSON_OR_LD, answers
from credstack.core.errors import NotFoundError
from credstack.services.context import ServiceContext
from credstack.services.issuers.organizations import organization_by_slug
from credstack.services.issuers.profiles import did_document, issuer_profile_json
from credstack.settings import Settings
from credstack.store.models import Organization

router = APIRouter(tags=["issuers"])

#: media types a DID document may be asked for in (DID Core §6); JSON is the default
_DID_MEDIA_TYPES = ("application/did+ld+json", "application/did+json")
_PUBLIC_CACHE = "public, max-age=300"
#: a compromised key must leave the DID document at once, so caches revalidate every time
_DID_CACHE = "no-cache"

SettingsDep = Annotated[Settings, Depends(get_settings)]


def _public_context(settings: Settings) -> ServiceContext:
    """A context for read-only public pages: they need the base URL, never the secret."""
    return ServiceContext(base_url=settings.base_url, master_secret=b"", home=settings.home)


def _issuer(session: DbSession, slug: str) -> Organization:
    """The issuer, or a 404 problem (the handlers of ``api/problems.py`` render it)."""
    try:
        return organization_by_slug(session, slug)
    except NotFoundError:
        raise NotFoundError(f"no issuer with slug {slug!r}") from None


def _json(body: dict[str, Any], media_type: str, cache: str = _PUBLIC_CACHE) -> JSONResponse:
    return JSONResponse(body, media_type=media_type, headers={"Cache-Control": cache})


@router.get(
    "/issuers/{slug}",
    summary="The issuer's Open Badges 3.0 Profile (JSON-LD)",
    response_class=Response,
    responses=answers("The Profile", JSON_OR_LD),
)
def issuer_profile(
    slug: str, request: Request, session: DbSession, settings: SettingsDep
) -> Response:
    organization = _issuer(session, slug)
    accept = request.headers.get("accept", "")
    media_type = "application/ld+json" if "application/ld+json" in accept else "application/json"
    return _json(issuer_profile_json(_public_context(settings), organization), media_type)


@router.get(
    "/issuers/{slug}/did.json",
    summary="The issuer's DID document (did:web)",
    response_class=Response,
    responses=answers(
        "The DID document",
        {media_type: JSON_DOCUMENT for media_type in ("application/json", *_DID_MEDIA_TYPES)},
    ),
)
def issuer_did_document(slug: str, request: Request, session: DbSession) -> Response:
    organization = _issuer(session, slug)
    accept = request.headers.get("accept", "")
    media_type = next((m for m in _DID_MEDIA_TYPES if m in accept), "application/json")
    return _json(did_document(session, organization), media_type, _DID_CACHE)


@router.get(
    "/issuers/{slug}/image",
    summary="The issuer's logo",
    response_class=Response,
    responses=answers("The logo as uploaded", {"image/*": BINARY}),
)
def issuer_image(slug: str, session: DbSession) -> Response:
    organization = _issuer(session, slug)
    if organization.image is None or organization.image_mime is None:
        raise NotFoundError(f"issuer {slug!r} has no image")
    return Response(
        organization.image,
        media_type=organization.image_mime,
        headers={
            "Cache-Control": _PUBLIC_CACHE,
            "X-Content-Type-Options": "nosniff",
            # an uploaded SVG could carry script: never let it run on our origin
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        },
    )
