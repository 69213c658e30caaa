"""FastAPI dependencies shared by every router: settings and the request's session.

The request is the edge, so the request owns the transaction: :func:`get_session`
commits when the route returns normally and rolls back when it raises. Routes and the
services they call only ``flush``.

Use the :data:`DbSession` annotation, not ``Depends(get_session)``: it sets
``scope="function"`` so the commit happens *before* the response is sent. With FastAPI's
default scope the client would already hold a 200 when a failing commit rolls back.

GET and HEAD requests read in a deferred transaction that never waits for a writer;
every other request takes SQLite's write lock before its first statement, so concurrent
writes queue instead of failing (``credstack.store.engine``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from credstack.services.accounts import tokens
from credstack.services.context import ServiceContext
from credstack.services.rate_limits import Hit, RateLimiter
from credstack.settings import Settings
from credstack.store.request_scope import mark_reads_only, request_scope


def get_settings(request: Request) -> Settings:
    """The settings the app was created with (never re-read from the environment)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for one request: committed on success, rolled back on any error.

    GET and HEAD read, and so do routes with ``dependencies=[ReadsOnly]``; every other
    request begins a write transaction up front. An API token is counted against its
    rate limit first, in a short transaction of its own: once the request's write
    transaction holds SQLite's write lock, no other transaction of it could write.
    """
    await run_in_threadpool(count_api_token, request)
    async with request_scope(request) as session:
        yield session


def rate_limiter(request: Request) -> RateLimiter:
    """The app's rate limiter (made from its settings if the web edge did not install one)."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        limiter = request.app.state.rate_limiter = RateLimiter.from_settings(
            request.app.state.session_factory, request.app.state.settings
        )
    return limiter


def count_api_token(request: Request) -> None:
    """Count one ``api-token`` hit for a bearer token (429 when over), before any lookup.

    Every attempt counts, a wrong token too: that is what limits guessing.
    """
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return
    ctx = ServiceContext.from_settings(get_settings(request), actor="api")
    rate_limiter(request).enforce(ctx, Hit("api-token", tokens.token_hash(value.strip())))


async def reads_only(request: Request) -> None:
    """Mark this request as one that only reads (a POST that verifies, then answers).

    Route dependencies are solved before the route's own, so the request's session is a
    read session; see ``credstack.store.request_scope.READS_ONLY``.
    """
    mark_reads_only(request)


#: ``dependencies=[ReadsOnly]``: the route's POST only reads, then works without the database
ReadsOnly = Depends(reads_only)
#: a request's session, committed before the response goes out (see the module docstring)
DbSession = Annotated[Session, Depends(get_session, scope="function")]
#: the app's settings
AppSettings = Annotated[Settings, Depends(get_settings)]
