"""Who gets a page and who gets problem JSON: the route class of pages and the Accept rule.

Every page module builds its router with :func:`page_router`, so each of its routes is a
:class:`PageRoute`; that is how the error handlers (and the page-route test matrix) know
a page from an API endpoint. A request is answered with an HTML page when

- its path is not under ``/api/``, and
- it prefers ``text/html`` over JSON (what browsers send), or it names no JSON type at all
  (``*/*``, no ``Accept``) and was routed to a page.

Everything else (API clients, ``Accept: application/json``, ``/api/...``, an unknown path
asked for by ``curl``) gets RFC 9457 problem details, as the API always answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute

#: media types that mean "a program is asking" (the API's and the credentials' own)
JSON_TYPES = (
    "application/json",
    "application/problem+json",
    "application/ld+json",
    "application/vc",
)


class PageRoute(APIRoute):
    """A route of a server-rendered page (its errors are pages, its sign-in a redirect).

    ``error_titles`` lets a kind of page name its error pages better than the status
    alone ("Credential not found" rather than "Page not found").
    """

    error_titles: ClassVar[Mapping[int, str]] = {}


def page_router() -> APIRouter:
    """The router of a page module: its routes are :class:`PageRoute` and not in the API docs."""
    return APIRouter(include_in_schema=False, route_class=PageRoute)


def prefers_html(accept: str) -> bool:
    """True when ``text/html`` is asked for before any JSON type (what browsers send)."""
    accept = accept.lower()
    html_at = accept.find("text/html")
    if html_at < 0:
        return False
    return all(not (0 <= accept.find(t) < html_at) for t in JSON_TYPES)


def names_json(accept: str) -> bool:
    """True when the ``Accept`` header names one of the JSON types at all."""
    accept = accept.lower()
    return any(t in accept for t in JSON_TYPES)


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def answers_with_page(request: Request) -> bool:
    """Whether an error of this request is shown as an HTML page (see the module docstring)."""
    if is_api_path(request.url.path):
        return False
    accept = request.headers.get("accept", "")
    if prefers_html(accept):
        return True
    if names_json(accept):
        return False
    return isinstance(request.scope.get("route"), PageRoute)
