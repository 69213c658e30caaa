"""The ``Allow`` header of a 405: every method the path answers, not only one route's.

Starlette keeps one route per path and method (``GET`` and ``POST /api/v1/organizations``
are two routes), and the first route whose path matches writes ``Allow`` from its own
methods alone, so a client was told ``Allow: GET`` for a path that also takes ``POST``
(RFC 9110 §15.5.6: the header lists the methods the target resource supports). Asking
the router, method by method, works however the routes are nested (FastAPI keeps
included routers as routes of their own).
"""

from __future__ import annotations

from fastapi import Request
from starlette.routing import Match

#: the methods a route of this app can answer
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> str:
    """The methods some route fully matches for the request's path, as an ``Allow`` value."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]
    return ", ".join(allowed)
