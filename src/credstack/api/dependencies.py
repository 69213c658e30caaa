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
from credstack.store.request_scope import read_scope, request_scope


def get_settings(request: Request) -> Settings:
    """The settings the app was created with (never re-read from the environment)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for one request: committed on success, rolled back on any error.

    GET and HEAD read; every other method begins a write transaction up front.
    """
    state = request.app.state
    scope = request_scope(
        request.method, read=state.read_session_factory, write=state.session_factory
    )
    async with scope as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A read session whatever the method: for a POST that only reads before slow work.

    A bulk upload checks the achievement, then copies the file; a write transaction
    would hold SQLite's write lock through the copy for nothing.
    """
    async with read_scope(request.app.state.read_session_factory) as session:
        yield session


#: a request's session, committed before the response goes out (see the module docstring)
DbSession = Annotated[Session, Depends(get_session, scope="function")]
#: a session that only reads, even in a POST (see :func:`get_read_session`)
DbReadSession = Annotated[Session, Depends(get_read_session, scope="function")]
#: the app's settings
AppSettings = Annotated[Settings, Depends(get_settings)]
