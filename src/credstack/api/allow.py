"""The ``Allow`` header of a 405: every method the path answers, not only one route's.

Starlette keeps one route per path and method (``GET`` and ``POST /api/v1/organizations``
are two routes), and the first route whose path matches writes ``Allow`` from its own
methods alone, so a client was told ``Allow: GET`` for a path that also takes ``POST``
(RFC 9110 §15.5.6: the header lists the methods the target resource supports).
"""

from __future__ import annotations

from fastapi import Request
from starlette.routing import Match, Route


def allowed_methods(request: Request) -> str:
    """The methods of every route whose path matches the request, as an ``Allow`` value."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches(request.scope)
            if match is not Match.NONE:
                methods |= route.methods
    return ", ".join(sorted(methods))
