"""Request bodies are limited before anything buffers them, per route.

Why: the CSRF check and form parsing used to buffer any POST up to 51 MB before deciding
(8 x 50 MB took a server from 823 MB to 1,319 MB). This middleware wraps the app outside
the session and CSRF middleware and knows each route's own limit: a ``Content-Length``
above it is answered 413 at once, without reading a byte of the body; a body streamed
without a length (or lying about it) is counted chunk by chunk and cut off with 413 as
soon as it passes the limit. Uploads have their documented limits (CSV bulk uploads,
credentials to verify, badge images); every other form or JSON body is small.

The 413 is an RFC 9457 problem for the API and for clients that do not ask for HTML, and
an HTML page for a person's browser; when the route already started answering (it read
part of the body, then the rest was too large) the connection is simply ended.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credstack.web.negotiation import is_api_path, prefers_html
from credstack.web.rendering import standalone_error_page

#: the body of any route not listed (forms, JSON): generous for text, far from uploads
DEFAULT_BODY_LIMIT = 256 * 1024
#: what multipart framing and the other fields add around an uploaded file
MULTIPART_ALLOWANCE = 64 * 1024


@dataclass(frozen=True)
class BodyLimit:
    """Bodies of requests whose path matches ``pattern`` may have ``max_bytes``."""

    pattern: str
    max_bytes: int
    #: what the limit is for, in the 413 message ("the CSV file", "the credential")
    what: str

    def matches(self, path: str) -> bool:
        return re.fullmatch(self.pattern, path) is not None

    @property
    def detail(self) -> str:
        return f"{self.what} is larger than {mebibytes(self.max_bytes)}, the most accepted here"


class BodyTooLarge(HTTPException):
    """Raised into the app when a streamed body passes its route's limit.

    An ``HTTPException`` on purpose: FastAPI turns any other error met while reading a
    body into a 400, and the app's problem handler answers this one as the 413 it is.
    """

    def __init__(self, limit: BodyLimit) -> None:
        super().__init__(413, limit.detail)


def mebibytes(size: int) -> str:
    """``52428800`` -> ``"50 MB"`` (the unit people read on the forms)."""
    return f"{size / (1024 * 1024):g} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


class BodyLimitMiddleware:
    """Refuses request bodies larger than their route's :class:`BodyLimit` with 413."""

    def __init__(
        self, app: ASGIApp, limits: Sequence[BodyLimit], default: int = DEFAULT_BODY_LIMIT
    ) -> None:
        self.app = app
        self.limits = tuple(limits)
        self.default = BodyLimit(".*", default, "the request body")

    def limit_for(self, path: str) -> BodyLimit:
        return next((limit for limit in self.limits if limit.matches(path)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit.max_bytes:
            await too_large(scope, limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await too_large(scope, limit)(scope, receive, send)


def too_large(scope: Scope, limit: BodyLimit) -> Response:
    """The 413 answer: a problem for the API and JSON clients, a page for browsers."""
    detail = limit.detail
    headers = {"Connection": "close"}
    if wants_html(scope):
        page = standalone_error_page(413, "Too large", detail[:1].upper() + detail[1:] + ".")
        page.headers.update(headers)
        return page
    body = {
        "type": "urn:credstack:problem:too-large",
        "title": "Too large",
        "status": 413,
        "detail": detail,
        "instance": scope["path"],
    }
    return JSONResponse(
        body, status_code=413, media_type="application/problem+json", headers=headers
    )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def wants_html(scope: Scope) -> bool:
    """A page request from a browser: the rule of ``web.negotiation`` for requests that
    were not routed yet (so the route class cannot decide)."""
    accept = next((v for n, v in scope["headers"] if n.lower() == b"accept"), b"")
    return not is_api_path(scope["path"]) and prefers_html(accept.decode("latin-1"))
