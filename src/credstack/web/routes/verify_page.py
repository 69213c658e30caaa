"""The verifier page ``/verify``: paste, upload or link a credential and see every check.

An ordinary HTML form (works without JavaScript), CSRF-protected like every form, rate
limited per client like the verify API. One input per submission, in this order: an
uploaded file, pasted text, a URL. A URL of one of our own credentials is read from the
database; any other URL is fetched under the production fetch rules (https only, no
private addresses, size limit). The checks are the same ones ``credstack verify`` runs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from credstack.core.errors import (
    CredstackError,
    InputTooLargeError,
    VerificationBudgetError,
    VerifierUnavailableError,
)
from credstack.core.inputs import MAX_INPUT_BYTES
from credstack.core.report import VerificationReport
from credstack.core.verify import unreadable
from credstack.services.context import ServiceContext
from credstack.services.learners.sharing import own_credential
from credstack.services.verification.submissions import verify_submission
from credstack.services.verification.verify import VerificationRequest, build_fetcher
from credstack.store.models import User
from credstack.web.negotiation import page_router
from credstack.web.rendering import render
from credstack.web.sessions import OptionalUser, ReadsOnly, WebDb, rate_limited

router = page_router()

#: what the page says about the upload limit
LIMIT_TEXT = f"{MAX_INPUT_BYTES // (1024 * 1024)} MB"


class TooLarge(Exception):
    """The input is larger than the verifier reads."""


async def _read_upload(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise TooLarge
    return data


def _fetch(db: WebDb, ctx: ServiceContext, url: str) -> bytes:
    own = own_credential(db, ctx, url)
    if own is not None:
        return own
    return build_fetcher(VerificationRequest(inputs=[]), max_bytes=MAX_INPUT_BYTES)(url)


def _refused(
    request: Request,
    user: User | None,
    values: dict[str, str],
    error: VerificationBudgetError | VerifierUnavailableError,
) -> Response:
    """The form again, saying which budget the credential exceeded or that we are busy."""
    if isinstance(error, VerifierUnavailableError):
        status, headers = 503, {"Retry-After": str(error.retry_after)}
    else:
        status, headers = (413 if isinstance(error, InputTooLargeError) else 422), {}
    response = render(
        request,
        "verify/page.html",
        status_code=status,
        user=user,
        values=values,
        errors={"": [f"Not verified: {error.message}."]},
        report=None,
        limit=LIMIT_TEXT,
    )
    response.headers.update(headers)
    return response


@router.get("/verify", response_class=HTMLResponse)
def verify_form(request: Request, user: OptionalUser) -> Response:
    return render(request, "verify/page.html", user=user, values={}, report=None, limit=LIMIT_TEXT)


@router.post(
    "/verify",
    response_class=HTMLResponse,
    # counted before the signed-in person is looked up (see ``web.sessions.rate_limited``);
    # a read session: no write lock is held while the credential is verified
    dependencies=[ReadsOnly, Depends(rate_limited("verify"))],
)
async def verify_submit(
    request: Request,
    db: WebDb,
    user: OptionalUser,
    text: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    recipient: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
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
            data = await run_in_threadpool(_fetch, db, ctx, name)
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
        try:
            report = await run_in_threadpool(
                verify_submission,
                db,
                ctx,
                data,
                input_name=name,
                recipient=recipient.strip() or None,
                via="web",
            )
        except (VerificationBudgetError, VerifierUnavailableError) as exc:
            return _refused(request, user, values, exc)
    return render(
        request, "verify/page.html", user=user, values=values, report=report, limit=LIMIT_TEXT
    )
