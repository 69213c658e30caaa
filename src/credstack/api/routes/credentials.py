"""Public credential URLs (architecture §5): the credential as JSON, VC-JWT, baked PNG and SVG.

These URLs are printed inside signed credentials and shared by learners, so they need no
sign-in. The award id is long and random (unguessable), so a private award is still
served to whoever holds its link, which is what a verifier handed the link needs.
``/credentials/{id}`` answers JSON to every client that does not prefer HTML; browsers
get the public page of ``web.routes.credential_page``, mounted before this router.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from credstack.api.dependencies import AppSettings, DbSession
from credstack.api.openapi import BINARY, JSON_DOCUMENT, TEXT, UNDESCRIBED, answers
from credstack.services.context import ServiceContext
from credstack.services.issuing.listing import get_award
from credstack.services.learners.renderings import MEDIA_TYPES, render

router = APIRouter(tags=["credentials"])

#: a credential never changes once signed; its status lives in the list, not here
_IMMUTABLE_CACHE = "public, max-age=3600"
#: JSON-LD media types a client may ask for; the bytes are the same signed document
_JSON_MEDIA_TYPES = ("application/vc", "application/ld+json")


_AS_JSON = answers(
    "The signed credential",
    {m: JSON_DOCUMENT for m in (MEDIA_TYPES["json"], *_JSON_MEDIA_TYPES)},
)


def _json_media_type(request: Request) -> str:
    accept = request.headers.get("accept", "")
    return next((m for m in _JSON_MEDIA_TYPES if m in accept), MEDIA_TYPES["json"])


def _served(
    session: DbSession, settings: AppSettings, award_id: str, fmt: str, media_type: str
) -> Response:
    award = get_award(session, award_id)
    ctx = ServiceContext.from_settings(settings, actor="public") if fmt == "jwt" else None
    body = render(session, ctx or _public_context(settings), award, fmt)
    headers = {"Cache-Control": _IMMUTABLE_CACHE, "X-Content-Type-Options": "nosniff"}
    if fmt == "svg":  # our SVG, but served from our origin: never let it run script
        headers["Content-Security-Policy"] = "default-src 'none'; img-src data:; sandbox"
    if fmt in ("png", "svg"):
        headers["Content-Disposition"] = f'inline; filename="{award.id}.{fmt}"'
    return Response(body, media_type=media_type, headers=headers)


def _public_context(settings: AppSettings) -> ServiceContext:
    """Renderings other than the JWT sign nothing, so they need no master secret."""
    return ServiceContext(base_url=settings.base_url, master_secret=b"", home=settings.home)


@router.get(
    "/credentials/{award_id}.json",
    summary="The credential exactly as signed",
    response_class=Response,
    responses=_AS_JSON,
)
def credential_json(
    award_id: str, request: Request, session: DbSession, settings: AppSettings
) -> Response:
    return _served(session, settings, award_id, "json", _json_media_type(request))


@router.get(
    "/credentials/{award_id}.jwt",
    summary="The credential as an OB 3.0 VC-JWT",
    response_class=Response,
    responses=answers("The compact VC-JWT", {MEDIA_TYPES["jwt"]: UNDESCRIBED}),
)
def credential_jwt(award_id: str, session: DbSession, settings: AppSettings) -> Response:
    return _served(session, settings, award_id, "jwt", MEDIA_TYPES["jwt"])


@router.get(
    "/credentials/{award_id}.png",
    summary="The badge image with the credential baked in",
    response_class=Response,
    responses=answers("The baked PNG", {MEDIA_TYPES["png"]: BINARY}),
)
def credential_png(award_id: str, session: DbSession, settings: AppSettings) -> Response:
    return _served(session, settings, award_id, "png", MEDIA_TYPES["png"])


@router.get(
    "/credentials/{award_id}.svg",
    summary="The badge SVG with the credential baked in",
    response_class=Response,
    responses=answers("The baked SVG", {MEDIA_TYPES["svg"]: TEXT}),
)
def credential_svg(award_id: str, session: DbSession, settings: AppSettings) -> Response:
    return _served(session, settings, award_id, "svg", MEDIA_TYPES["svg"])


@router.get(
    "/credentials/{award_id}",
    summary="The credential as signed (browsers: HTML page)",
    response_class=Response,
    responses=_AS_JSON,
)
def credential(
    award_id: str, request: Request, session: DbSession, settings: AppSettings
) -> Response:
    return _served(session, settings, award_id, "json", _json_media_type(request))
