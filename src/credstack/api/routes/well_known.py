"""``/.well-known/did-configuration.json``: this host's origin linked to the issuers it hosts.

did:web issuers live on Credstack's own host (``did:web:host:issuers:<slug>``). The DIF
DID configuration served here links that origin to the did:web DIDs of the issuers the
operator verified (or that proved their own domain): the operator's origin vouches for
no one nobody vouched for. Served only under an https base URL at its origin's root,
else 404. Each linkage is signed with the issuer's active key and re-made each day.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from credstack.api.dependencies import AppSettings, DbSession
from credstack.core.errors import NotFoundError
from credstack.services.context import ServiceContext
from credstack.services.issuers.domain_linkage import host_configuration

router = APIRouter(tags=["issuers"])


@router.get(
    "/.well-known/did-configuration.json",
    summary="DIF DID configuration: this origin's verified did:web issuers",
)
def did_configuration(session: DbSession, settings: AppSettings) -> Any:
    ctx = ServiceContext.from_settings(settings, actor="public")
    document = host_configuration(session, ctx)
    if document is None:
        raise NotFoundError(
            "this Credstack links no issuer to its origin (it needs an https base URL and "
            "verified did:web issuers)"
        )
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=3600"})
