"""RFC 9457 problem details: the one place where Credstack's errors meet HTTP.

Services raise the typed errors of ``core/errors.py``; this module maps each class to a
status code and a stable ``type`` URI (:func:`describe`), so every route answers errors in
the same shape (``application/problem+json``) without catching anything itself. The pages
use the same :func:`describe` (wired in ``credstack.app``) and show it as an HTML page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from credstack.core import errors
from credstack.store.write_errors import cannot_write_reason

PROBLEM_MEDIA_TYPE = "application/problem+json"
#: problem ``type`` URIs name the error class (a URN: no host is claimed or fetched)
TYPE_BASE = "urn:credstack:problem:"

_STATUS: tuple[tuple[type[errors.CredstackError], int], ...] = (
    (errors.NotFoundError, 404),
    (errors.ConflictError, 409),
    (errors.PermissionDeniedError, 403),
    (errors.AuthenticationError, 401),
    (errors.ValidationError, 422),
    (errors.InputTooLargeError, 413),
    (errors.VerificationBudgetError, 422),
    (errors.InputError, 400),
    (errors.ConfigurationError, 503),
    (errors.VerifierUnavailableError, 503),
    (errors.BusyError, 503),
    (errors.FetchError, 502),
    (errors.TooManyRequestsError, 429),
)

_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Server error",
    502: "Upstream document unavailable",
    503: "Service unavailable",
}


def status_for(error: errors.CredstackError) -> int:
    """The HTTP status of an error class (a subclass inherits its parent's)."""
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 400


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    instance: str | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """A problem-details response; ``extra`` members (e.g. ``problems``) are added as is."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + (code or "about-blank"),
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


@dataclass(frozen=True)
class Problem:
    """What went wrong, independent of how it is shown (problem JSON here, a page in ``web``)."""

    status: int
    detail: str
    code: str | None = None
    problems: list[str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: the heading a page shows, where the status's own would say too little
    heading: str | None = None
    #: more members for the problem JSON (e.g. the ``limit`` a verification exceeded)
    extra: dict[str, Any] | None = None

    @property
    def title(self) -> str:
        return _TITLES.get(self.status, "Error")


#: what a client is told about an error we did not raise on purpose (the log has the rest)
SERVER_ERROR = "something went wrong on our side; the error is logged: try again later"
#: a write the database refuses (read-only, disk full) is a state to wait out, not a bug
CANNOT_WRITE_HEADING = "The database cannot write now"
#: seconds a client should wait before trying again (an operator has to act first)
CANNOT_WRITE_RETRY_AFTER = "60"


def describe(exc: Exception) -> Problem:
    """The one mapping from an exception to status, code and detail, for every edge."""
    if isinstance(exc, errors.CredstackError):
        listed = exc.problems if isinstance(exc, errors.ValidationError) else None
        extra: dict[str, Any] | None = None
        headers: dict[str, str] = {}
        if isinstance(exc, errors.VerificationBudgetError):
            extra = {"limit": exc.limit, "allowed": exc.allowed}
        if isinstance(
            exc, errors.VerifierUnavailableError | errors.TooManyRequestsError | errors.BusyError
        ):
            headers["Retry-After"] = str(exc.retry_after)
        return Problem(
            status_for(exc), exc.message, code=exc.code, problems=listed, headers=headers,
            extra=extra,
        )  # fmt: skip
    if isinstance(exc, RequestValidationError):
        listed = [
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', 'invalid')}"
            for err in exc.errors()
        ]
        return Problem(
            422,
            "the request does not match what this endpoint accepts",
            code="validation-failed",
            problems=listed,
        )
    if isinstance(exc, StarletteHTTPException):
        status = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(status, "Error")
        return Problem(status, detail, headers=dict(exc.headers or {}))
    if isinstance(exc, PoolTimeoutError):  # every connection stayed in use: as busy as a lock
        return describe(
            errors.BusyError(
                "the database is busy, try again: every database connection of this server "
                "stayed in use while the request waited for one"
            )
        )
    reason = cannot_write_reason(exc)
    if reason is not None:
        return Problem(
            503,
            f"the database cannot write now: {reason}. Nothing was saved; "
            "try again once the operator has fixed it (see /healthz)",
            code="database-unwritable",
            headers={"Retry-After": CANNOT_WRITE_RETRY_AFTER},
            heading=CANNOT_WRITE_HEADING,
        )
    return Problem(500, SERVER_ERROR, code="server-error")


def problem_response(described: Problem, instance: str | None = None) -> JSONResponse:
    """``described`` as an ``application/problem+json`` response (its headers included)."""
    extra = dict(described.extra or {})
    if described.problems is not None:
        extra["problems"] = described.problems
    response = problem(
        described.status, described.detail, code=described.code, instance=instance, extra=extra
    )
    for name, value in described.headers.items():
        response.headers[name] = value
    return response


async def _answer(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(describe(exc), request.url.path)


#: the exceptions an app answers (``Exception`` last: the 500 for everything unexpected)
HANDLED: tuple[type[Exception], ...] = (
    errors.CredstackError,
    RequestValidationError,
    StarletteHTTPException,
    Exception,
)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of the app as RFC 9457 problem details."""
    for kind in HANDLED:
        app.add_exception_handler(kind, _answer)
