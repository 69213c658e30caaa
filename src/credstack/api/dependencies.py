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

from credstack.settings import Settings
from credstack.store.request_scope import mark_reads_only, request_scope


def get_settings(request: Request) -> Settings:
    """The settings the app was created with (never re-read from the environment)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for one request: committed on success, rolled back on any error.

    GET and HEAD read, and so do routes with ``dependencies=[ReadsOnly]``; every other
    request begins a write transaction up front.
    """
    async with request_scope(request) as session:
        yield session


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
