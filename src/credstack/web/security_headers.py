"""Security headers on every response: pages, API, static files, errors and redirects.

Why a middleware and not per route: a header a route forgets is a page that can be framed
(the revoke and wallet buttons could be clickjacked) or a download a browser sniffs into
HTML. The middleware wraps the whole app, so even the problem answers of other
middlewares (CSRF, body limits) and Starlette's own 404/405 carry the same headers.

The Content Security Policy is strict because the app's own pages need nothing more:
scripts, styles and the vendored Swagger UI come from this origin as files (no inline
``<script>`` or ``style=`` anywhere in the templates), images are this origin's or
``data:`` URIs (badge images can be embedded that way), and no page may be framed
(``frame-ancestors 'none'``, with ``X-Frame-Options: DENY`` for older browsers). A header
a route set itself (e.g. a stricter ``Cache-Control`` or its own CSP) is left alone.
``Strict-Transport-Security`` is sent only when the public base URL is https: on plain
http a browser ignores it, and pinning a development host to https would lock it out.
"""

from __future__ import annotations

import inspect

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: the policy every response carries (see the module docstring for why each part)
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
#: one year; no ``includeSubDomains``: other hosts of the operator's domain are not ours
HSTS_VALUE = "max-age=31536000"

_BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def security_headers(*, https: bool) -> tuple[tuple[bytes, bytes], ...]:
    """The headers added to every response (HSTS only for an https deployment)."""
    if https:
        return (*_BASE_HEADERS, (b"strict-transport-security", HSTS_VALUE.encode("ascii")))
    return _BASE_HEADERS


class SecurityHeadersMiddleware:
    """Adds :func:`security_headers` to each HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, *, base_url: str) -> None:
        self.app = app
        self.headers = security_headers(https=base_url.startswith("https://"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {name.lower() for name, _ in message.get("headers", ())}
                added = [(n, v) for n, v in self.headers if n not in present]
                message["headers"] = [*message.get("headers", ()), *added]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            # Starlette answers an unexpected error outside every middleware, without these
            # headers; answer it here with the app's own 500 handler (the page or problem
            # of ``credstack.app``) and let the error propagate to be logged.
            if not started:
                response = await _server_error_response(scope, receive, exc)
                await response(scope, receive, send_with_headers)
            raise


async def _server_error_response(scope: Scope, receive: Receive, exc: Exception) -> Response:
    """What the app's handler for ``Exception`` answers (a bare 500 if it has none)."""
    app = scope.get("app")
    handlers = getattr(app, "exception_handlers", {})
    handler = handlers.get(Exception) or handlers.get(500)
    if handler is None:
        return PlainTextResponse("Internal Server Error", status_code=500)
    request = Request(scope, receive)
    if inspect.iscoroutinefunction(handler):
        response: Response = await handler(request, exc)
    else:
        response = await run_in_threadpool(handler, request, exc)
    return response
