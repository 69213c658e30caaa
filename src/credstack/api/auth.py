"""Who is calling the API: a bearer token (machines) or the browser's session (people).

``Authorization: Bearer cst_...`` wins when present; otherwise the session cookie that
``credstack.web.sessions.SessionMiddleware`` loaded into the request scope is used (that
middleware has already refused unsafe cookie requests without the CSRF token), and the
session id it carries must name a live session in the database. The API reads the
session through the scope, not by importing ``web``: the two edges are independent layers.

Each request with a token counts against the ``api-token`` limit of that token
(``services.rate_limits``, 1,200 a minute by default), before the token is even looked up.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request

from credstack.api.dependencies import AppSettings, DbSession, rate_limiter
from credstack.core.errors import AuthenticationError
from credstack.services.accounts import tokens
from credstack.services.accounts.sessions import SessionPolicy, session_user
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.services.rate_limits import Hit

SESSION_SCOPE_KEY = "credstack.session"
NOT_AUTHENTICATED = (
    "sign in, or send an API token as 'Authorization: Bearer cst_...' "
    "(create one under your organisation's tokens)"
)


class _SessionView(Protocol):
    """What the API needs from the web session object (see ``web.sessions.WebSession``)."""

    data: dict[str, Any]

    @property
    def session_id(self) -> str | None: ...


def api_principal(request: Request, session: DbSession, settings: AppSettings) -> Principal:
    """The principal of this API request; ``AuthenticationError`` (401) if there is none."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthenticationError("use 'Authorization: Bearer cst_...' with an API token")
        ctx = ServiceContext.from_settings(settings, actor="api")
        # the token was counted before the request's transaction began (``get_session``)
        return tokens.authenticate(session, ctx, value.strip())
    web: _SessionView | None = request.scope.get(SESSION_SCOPE_KEY)
    session_id = web.session_id if web is not None else None
    if session_id is None:
        raise AuthenticationError(NOT_AUTHENTICATED)
    now = datetime.now(UTC)
    user = session_user(session, session_id, SessionPolicy.from_settings(settings), now)
    if user is None:
        raise AuthenticationError(NOT_AUTHENTICATED)
    return Principal(user_id=user.id)


ApiPrincipal = Annotated[Principal, Depends(api_principal)]


def acting_context(settings: AppSettings, principal: ApiPrincipal) -> ServiceContext:
    """The service context of a request, naming the principal in the audit log."""
    return ServiceContext.from_settings(settings, actor=principal.actor)


ActingContext = Annotated[ServiceContext, Depends(acting_context)]


def enforce_rate_limit(request: Request, name: str) -> None:
    """Count one hit of limit ``name`` for the client's IP address; 429 when over it.

    Call it before the route's database session is used (``services.rate_limits``).
    """
    address = request.client.host if request.client is not None else "unknown"
    ctx = ServiceContext.from_settings(request.app.state.settings, actor="api")
    rate_limiter(request).enforce(ctx, Hit(name, address))
