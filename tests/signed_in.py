"""A signed session cookie for a test client, backed by a real row of ``user_sessions``.

Tests that need a signed-in person without going through the sign-in form (the API and
page matrices) start a session the way the sign-in page does and put its id in the
cookie, so the app checks them exactly as it checks a browser.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from credstack.services.accounts.sessions import SessionPolicy, start_session
from credstack.services.context import ServiceContext
from credstack.settings import Settings
from credstack.store.models import User
from credstack.web.sessions import SESSION_COOKIE, encode_cookie, session_key


def session_cookie(
    app: FastAPI,
    settings: Settings,
    user: User | None,
    csrf: str,
    sessions: sessionmaker[Session] | None = None,
) -> str:
    """The cookie value of a session with CSRF token ``csrf``: ``user``'s, or a visitor's.

    The session row is written through ``sessions`` (default: the app's own factory).
    """
    data: dict[str, Any] = {"csrf": csrf, "exp": int(time.time()) + 3600}
    if user is not None:
        data["sid"] = new_session(app, settings, user, sessions)
    return encode_cookie(session_key(settings.master_secret()), data)


def new_session(
    app: FastAPI, settings: Settings, user: User, sessions: sessionmaker[Session] | None = None
) -> str:
    """Start (and commit) a session of ``user`` in the app's database; returns its id."""
    factory: sessionmaker[Session] = sessions or app.state.session_factory
    ctx = ServiceContext.from_settings(settings, actor="test")
    with factory() as db:
        session_id = start_session(db, ctx, user, SessionPolicy.from_settings(settings))
        db.commit()
    return session_id


__all__ = ["SESSION_COOKIE", "new_session", "session_cookie"]
