"""Public achievement URLs (architecture §5): the OB 3.0 Achievement JSON and its image.

The ``id`` of every Achievement inside a credential is ``/achievements/{id}``, so
verifiers and wallets dereference it: it needs no sign-in and serves exactly the JSON
fixed at publication (published and archived versions; drafts are not public and
answer 404 like unknown ids, so a draft's existence is not revealed).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from credstack.api.dependencies import DbSession
from credstack.api.openapi import BINARY, JSON_OR_LD, answers
from credstack.core.errors import NotFoundError
from credstack.services.achievements.lifecycle import public_achievement

router = APIRouter(tags=["achievements"])

#: a published version never changes, but an archived state may follow: cache briefly
_PUBLIC_CACHE = "public, max-age=300"


@router.get(
    "/achievements/{achievement_id}",
    summary="A published OB 3.0 Achievement (JSON-LD)",
    response_class=Response,
    responses=answers("The Achievement", JSON_OR_LD),
)
def achievement_document(achievement_id: str, request: Request, session: DbSession) -> Response:
    achievement = public_achievement(session, achievement_id)
    accept = request.headers.get("accept", "")
    media_type = "application/ld+json" if "application/ld+json" in accept else "application/json"
    return JSONResponse(
        achievement.achievement_json,
        media_type=media_type,
        headers={"Cache-Control": _PUBLIC_CACHE},
    )


@router.get(
    "/achievements/{achievement_id}/image",
    summary="The achievement's badge image",
    response_class=Response,
    responses=answers("The badge image as uploaded", {"image/*": BINARY}),
)
def achievement_image(achievement_id: str, session: DbSession) -> Response:
    achievement = public_achievement(session, achievement_id)
    if achievement.image is None or achievement.image_mime is None:
        raise NotFoundError(f"achievement {achievement_id!r} has no stored image")
    return Response(
        achievement.image,
        media_type=achievement.image_mime,
        headers={
            "Cache-Control": _PUBLIC_CACHE,
            "X-Content-Type-Options": "nosniff",
            # an uploaded SVG could carry script: never let it run on our origin
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        },
    )
