"""The verifier page ``/verify``: paste, upload or link a credential and see every check.

An ordinary HTML form (works without JavaScript), CSRF-protected like every form, rate
limited per client like the verify API. One input per submission, in this order: an
uploaded file, pasted text, a URL. A URL of one of our own credentials is read from the
database; any other URL is fetched under the production fetch rules (https only, no
private addresses, size limit). The checks are the same ones ``credstack verify`` runs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from credstack.core.errors import CredstackError
from credstack.core.inputs import MAX_INPUT_BYTES
from credstack.core.report import VerificationReport
from credstack.core.verify import unreadable
from credstack.services.context import ServiceContext
from credstack.services.learners.sharing import local_registry, record_verification
from credstack.services.verification.verify import VerificationRequest, build_fetcher, verify_bytes
from credstack.store.models import Award
from credstack.web.rendering import render
from credstack.web.sessions import OptionalUser, ReadsOnly, WebDb, enforce_rate_limit

router = APIRouter(include_in_schema=False)

#: what the page says about the upload limit
LIMIT_TEXT = f"{MAX_INPUT_BYTES // (1024 * 1024)} MB"
_OWN_SUFFIXES = (".json", ".png", ".svg", ".jwt")


class TooLarge(Exception):
    """The input is larger than the verifier reads."""


def _own_credential(db: Session, ctx: ServiceContext, url: str) -> bytes | None:
    """The stored credential for a URL of this deployment's ``/credentials/{id}``."""
    prefix = ctx.url("/credentials/")
    if not url.startswith(prefix):
        return None
    award_id = url.removeprefix(prefix).split("?", 1)[0].split("#", 1)[0]
    for suffix in _OWN_SUFFIXES:
        award_id = award_id.removesuffix(suffix)
    award = db.get(Award, award_id)
    return award.credential.encode("utf-8") if award is not None else None


async def _read_upload(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise TooLarge
    return data


def _fetch(db: Session, ctx: ServiceContext, url: str) -> bytes:
    own = _own_credential(db, ctx, url)
    if own is not None:
        return own
    return build_fetcher(VerificationRequest(inputs=[]), max_bytes=MAX_INPUT_BYTES)(url)


@router.get("/verify", response_class=HTMLResponse)
def verify_form(request: Request, user: OptionalUser) -> Response:
    return render(request, "verify/page.html", user=user, values={}, report=None, limit=LIMIT_TEXT)


@router.post("/verify", response_class=HTMLResponse, dependencies=[ReadsOnly])
async def verify_submit(
    request: Request,
    db: WebDb,
    user: OptionalUser,
    text: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    recipient: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    enforce_rate_limit(request, "verify")
    ctx = ServiceContext.from_settings(request.app.state.settings, actor="public")
    values = {"text": text, "url": url, "recipient": recipient}
    has_file = file is not None and bool(file.filename)
    report: VerificationReport
    try:
        if has_file and file is not None:
            name = file.filename or "upload"
            data = await _read_upload(file)
        elif text.strip():
            name, data = "pasted text", text.strip().encode("utf-8")
            if len(data) > MAX_INPUT_BYTES:
                raise TooLarge
        elif url.strip():
            name = url.strip()
            data = _fetch(db, ctx, name)
        else:
            errors = {"": ["Give a credential: upload a file, paste its text, or give its URL."]}
            return render(
                request,
                "verify/page.html",
                status_code=422,
                user=user,
                values=values,
                errors=errors,
                report=None,
                limit=LIMIT_TEXT,
            )
    except TooLarge:
        errors = {"": [f"The credential is larger than {LIMIT_TEXT}, the most this page reads."]}
        return render(
            request,
            "verify/page.html",
            status_code=413,
            user=user,
            values=values,
            errors=errors,
            report=None,
            limit=LIMIT_TEXT,
        )
    except CredstackError as exc:
        report = unreadable(url.strip(), str(exc))
    else:
        verification = VerificationRequest(
            inputs=[], recipient=recipient.strip() or None, registry=local_registry(db, ctx)
        )
        report = verify_bytes(data, input_name=name, request=verification)
        record_verification(db, ctx, report, via="web")
    return render(
        request, "verify/page.html", user=user, values=values, report=report, limit=LIMIT_TEXT
    )
