"""FastAPI dependencies shared by every router: settings and the request's session.

The request is the edge, so the request owns the transaction: :func:`get_session`
commits when the route returns normally and rolls back when it raises. Routes and the
services they call only ``flush``.

Use the :data:`DbSession` annotation, not ``Depends(get_session)``: it sets
``scope="function"`` so the commit happens *before* the response is sent. With FastAPI's
default scope the client would already hold a 200 when a failing commit rolls back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from credstack.settings import Settings


def get_settings(request: Request) -> Settings:
    """The settings the app was created with (never re-read from the environment)."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request: committed on success, rolled back on any error."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


#: a request's session, committed before the response goes out (see the module docstring)
DbSession = Annotated[Session, Depends(get_session, scope="function")]
#: the app's settings
AppSettings = Annotated[Settings, Depends(get_settings)]
