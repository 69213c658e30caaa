"""``POST /api/v1/verify``: anyone may verify a credential, exactly as architecture §6 says.

The credential is the raw request body (JSON, or a compact VC-JWT) or the multipart
field ``file`` (JSON, JWT, or a baked PNG/SVG); ``recipient`` (query or form field) is an
e-mail address to check against the credential's hashed identity. No sign-in and no CSRF
token (it changes nothing); rate-limited per IP address. The answer is the object that
``credstack verify --json`` prints, with status 200 whether or not it verified; a
credential over the verification budget is a 413 (size) or 422 problem naming the limit,
and a full verifier pool a 503 with ``Retry-After``.

``services.verification.submissions`` runs the check in the verifier pool (off the
event loop), reads our own issuers, status lists and DID documents from the database
(no HTTP round trip to ourselves) and logs ``credential.verified`` for our credentials.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from credstack.api.auth import enforce_rate_limit
from credstack.api.dependencies import AppSettings, DbSession, ReadsOnly
from credstack.core.errors import InputError
from credstack.core.inputs import MAX_INPUT_BYTES
from credstack.services.context import ServiceContext
from credstack.services.verification.submissions import verify_submission

router = APIRouter(prefix="/api/v1", tags=["verify"])

_TOO_LARGE = "the credential is larger than 8 MB"
_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/jwt": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "recipient": {"type": "string"},
                    },
                    "required": ["file"],
                }
            },
        },
    }
}


@router.post(
    "/verify",
    summary="Verify a credential (body or multipart 'file'); no sign-in",
    openapi_extra=_BODY_DOC,
    dependencies=[ReadsOnly],  # no write lock held while a credential is verified
)
async def verify_credential(
    request: Request, session: DbSession, settings: AppSettings, recipient: str | None = None
) -> dict[str, Any]:
    # counted in the database: in a worker thread, never blocking the event loop
    await run_in_threadpool(enforce_rate_limit, request, "verify")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_INPUT_BYTES + 65536:
        raise HTTPException(413, _TOO_LARGE)
    name = "request body"
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        data, name, form_recipient = await _multipart(request)
        recipient = recipient or form_recipient
    else:
        data = await _limited_body(request)
    if not data.strip():
        raise InputError("send the credential as the request body or as the multipart field 'file'")
    # the master secret: a status list not yet published is signed when first served
    ctx = ServiceContext.from_settings(settings, actor="verify")
    report = await run_in_threadpool(
        verify_submission,
        session,
        ctx,
        data,
        input_name=name,
        recipient=recipient or None,
        via="api",
    )
    result: dict[str, Any] = report.to_json()
    return result


async def _limited_body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_INPUT_BYTES:
            raise HTTPException(413, _TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)


async def _multipart(request: Request) -> tuple[bytes, str, str | None]:
    form = await request.form(max_part_size=MAX_INPUT_BYTES + 1)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InputError("the multipart body needs the credential in a field named 'file'")
        data = await upload.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise HTTPException(413, _TOO_LARGE)
        recipient = form.get("recipient")
        return data, upload.filename or "file", recipient if isinstance(recipient, str) else None
    finally:
        await form.close()
