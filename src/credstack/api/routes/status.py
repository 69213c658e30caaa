"""``GET /status/{list_id}``: the signed BitstringStatusListCredential credentials point at.

Verifiers fetch a list for every credential they check, so it is cacheable, but only
briefly (``max-age`` = the list's ``ttl``, 300 s by default): a revocation must show
within five minutes anywhere, and at once for a client that revalidates. The ``ETag``
changes with the list's revision (and the exact signed bytes), so ``If-None-Match``
answers 304 without a body while nothing was revoked. The list is re-signed on the
first request after a change, or once it is past half its validity.
"""

from __future__ import annotations

import hashlib
from email.utils import format_datetime

from fastapi import APIRouter, Request, Response

from credstack.api.dependencies import AppSettings, DbSession
from credstack.api.openapi import JSON_DOCUMENT, answers
from credstack.services.context import ServiceContext
from credstack.services.status.lists import status_list_document

router = APIRouter(tags=["status"])

#: short on purpose: a revocation must reach verifiers quickly (see the module docstring);
#: the same seconds as the list's own ``ttl`` (CREDSTACK_STATUS_LIST_TTL_SECONDS, 300)
STATUS_CACHE = "public, max-age={ttl}"
#: VC Data Model 2.0 §6.3 media type of a credential secured with an embedded proof
_VC_MEDIA_TYPE = "application/vc"


def entity_tag(revision: int, text: str) -> str:
    """A strong validator: the revision plus a digest of the signed bytes served."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f'"{revision}-{digest}"'


def _matches(if_none_match: str, tag: str) -> bool:
    candidates = [part.strip() for part in if_none_match.split(",")]
    return "*" in candidates or any(c.removeprefix("W/") == tag for c in candidates)


@router.get(
    "/status/{list_id}",
    summary="A signed Bitstring Status List credential",
    response_class=Response,
    responses=answers(
        "The signed status list credential",
        {"application/json": JSON_DOCUMENT, _VC_MEDIA_TYPE: JSON_DOCUMENT},
        also={304: "Not modified: the list is still the one If-None-Match names"},
    ),
)
def status_list(
    list_id: str, request: Request, session: DbSession, settings: AppSettings
) -> Response:
    ctx = ServiceContext.from_settings(settings, actor="public")
    document = status_list_document(session, ctx, list_id)
    tag = entity_tag(document.revision, document.text)
    headers = {
        "Cache-Control": STATUS_CACHE.format(ttl=settings.status_list_ttl_seconds),
        "ETag": tag,
        "Last-Modified": format_datetime(document.updated_at, usegmt=True),
        "X-Content-Type-Options": "nosniff",
    }
    if _matches(request.headers.get("if-none-match", ""), tag):
        return Response(status_code=304, headers=headers)
    accept = request.headers.get("accept", "")
    media_type = _VC_MEDIA_TYPE if _VC_MEDIA_TYPE in accept else "application/json"
    return Response(document.text.encode("utf-8"), media_type=media_type, headers=headers)
