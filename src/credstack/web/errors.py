"""Errors shown to a browser: an HTML page in the site's layout, or a trip to sign-in.

``credstack.app`` describes every exception once (``api.problems.describe``: status,
message, the list of problems) and, when the request is a page request
(``web.negotiation.answers_with_page``), hands it to :func:`error_response`. A 401 on a
page is a redirect to ``/sign-in?next=…``; every other status is ``error.html`` with a
title for the status, the message and, for invalid input, each problem. A server error
shows a fixed sentence, never the exception or a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session, sessionmaker

from credstack.store.models import User
from credstack.web.access import sign_in_redirect
from credstack.web.negotiation import PageRoute, is_api_path, prefers_html
from credstack.web.rendering import render
from credstack.web.sessions import (
    ensure_web_session,
    optional_user,
    problem_refusal,
    web_session,
)

#: the heading of the error page, by status
PAGE_TITLES = {
    400: "This request cannot be used",
    403: "Not allowed",
    404: "Page not found",
    405: "Not available this way",
    409: "Not possible right now",
    413: "Too large",
    422: "Some of the input is not valid",
    429: "Too many attempts",
    500: "Something went wrong",
    502: "Another site did not answer",
    503: "Not available right now",
}
#: a sentence under the message, where the status alone leaves a reader guessing
HINTS = {
    405: "This address is for sending a form; go back to the page the form is on.",
}


def title_for(request: Request, status: int) -> str:
    """The heading for ``status``: the page's own (``PageRoute.error_titles``), else ours."""
    route = request.scope.get("route")
    if isinstance(route, PageRoute) and status in route.error_titles:
        return route.error_titles[status]
    return PAGE_TITLES.get(status, "Something is not right" if status < 500 else "Server error")


def error_response(
    request: Request,
    status: int,
    message: str,
    *,
    problems: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Response:
    """The page a browser gets for ``status`` (a redirect to sign-in for 401)."""
    if status == 401:
        return sign_in_redirect(request)
    ensure_web_session(request)
    response = render(
        request,
        "error.html",
        status_code=status,
        title=title or title_for(request, status),
        message=message,
        hint=HINTS.get(status, ""),
        problems=list(problems or []),
        user=None if status >= 500 else _signed_in_user(request),
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def refusal_response(request: Request, status: int, message: str) -> Response:
    """How the session middleware refuses a form (no CSRF token, too large): a page to a
    browser, problem details to anyone else (the route is not known yet at that point)."""
    if prefers_html(request.headers.get("accept", "")) and not is_api_path(request.url.path):
        return error_response(request, status, message)
    return problem_refusal(request, status, message)


def _signed_in_user(request: Request) -> User | None:
    """The person in the header (the failed route's own database session is gone by now).

    Not looked up for server errors, whose cause may be the database itself.
    """
    if web_session(request).session_id is None:
        return None
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as db:
        return optional_user(request, db)
