"""RFC 9457 problem details: the one place where Credstack's errors meet HTTP.

Services raise the typed errors of ``core/errors.py``; this module maps each class to a
status code and a stable ``type`` URI, so every route answers errors in the same shape
(``application/problem+json``) without catching anything itself.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from credstack.core import errors

PROBLEM_MEDIA_TYPE = "application/problem+json"
#: problem ``type`` URIs name the error class (a URN: no host is claimed or fetched)
TYPE_BASE = "urn:credstack:problem:"

_STATUS: tuple[tuple[type[errors.CredstackError], int], ...] = (
    (errors.NotFoundError, 404),
    (errors.ConflictError, 409),
    (errors.PermissionDeniedError, 403),
    (errors.AuthenticationError, 401),
    (errors.ValidationError, 422),
    (errors.InputError, 400),
    (errors.ConfigurationError, 503),
    (errors.BusyError, 503),
    (errors.FetchError, 502),
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


async def _credstack_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.CredstackError)
    extra = {"problems": exc.problems} if isinstance(exc, errors.ValidationError) else None
    response = problem(
        status_for(exc), exc.message, code=exc.code, instance=request.url.path, extra=extra
    )
    if isinstance(exc, errors.BusyError):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _pool_exhausted(request: Request, exc: Exception) -> JSONResponse:
    """Every database connection stayed in use: as busy as a held write lock."""
    assert isinstance(exc, PoolTimeoutError)
    busy = errors.BusyError(
        "the database is busy, try again: every database connection of this server stayed "
        "in use while the request waited for one"
    )
    return await _credstack_error(request, busy)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', 'invalid')}"
        for err in exc.errors()
    ]
    return problem(
        422,
        "the request does not match what this endpoint accepts",
        code="validation-failed",
        instance=request.url.path,
        extra={"problems": problems},
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
    response = problem(exc.status_code, detail, instance=request.url.path)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of the app as RFC 9457 problem details."""
    app.add_exception_handler(errors.CredstackError, _credstack_error)
    app.add_exception_handler(PoolTimeoutError, _pool_exhausted)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
