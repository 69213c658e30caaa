"""A write the database refuses (read-only, disk full) answers 503, never a bare 500.

Why here, beside ``app``: the answer depends on who asked. An API client gets an RFC 9457
problem (``credstack.api.problems``), a person's browser gets an HTML page
(``credstack.web.rendering``); the two edges may not import each other, so the
composition root installs the one handler that chooses between them. Which driver errors
count is decided by :func:`credstack.store.write_errors.cannot_write_reason`; any other
database error is re-raised and stays a 500 (it is a bug to fix, not a state to wait out).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError

from credstack.api.problems import problem
from credstack.store.write_errors import cannot_write_reason
from credstack.web.body_limits import wants_html
from credstack.web.rendering import error_page

TITLE = "The database cannot write now"
#: seconds a client should wait before trying again (an operator has to act first)
RETRY_AFTER = "60"


async def _database_error(request: Request, exc: Exception) -> Response:
    reason = cannot_write_reason(exc)
    if reason is None:
        raise exc
    detail = (
        f"the database cannot write now: {reason}. Nothing was saved; "
        "try again once the operator has fixed it (see /healthz)"
    )
    response: Response
    if wants_html(request.scope):
        message = (
            f"Nothing was saved: {reason}. Please try again later; "
            "the operator has to fix the database first."
        )
        response = error_page(request, 503, TITLE, message)
    else:
        response = problem(503, detail, code="database-unwritable", instance=request.url.path)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


def install_database_unavailable(app: FastAPI) -> None:
    """Answer refused writes with 503 (call from ``create_app``)."""
    app.add_exception_handler(DBAPIError, _database_error)
