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
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

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
#: the two ways in, as the OpenAPI document names them (neither refuses by itself:
#: :func:`api_principal` does, with a message that says what to send)
BEARER = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="cst_...",
    description="An API token of an organisation: 'Authorization: Bearer cst_...'.",
    auto_error=False,
)
#: the cookie ``web.sessions`` sets at sign-in (``SESSION_COOKIE``; a test pins the name)
SESSION_COOKIE_SCHEME = APIKeyCookie(
    name="credstack_session",
    scheme_name="session",
    description="A signed-in browser session; unsafe methods also need 'X-CSRF-Token'.",
    auto_error=False,
)


class _SessionView(Protocol):
    """What the API needs from the web session object (see ``web.sessions.WebSession``)."""

    data: dict[str, Any]

    @property
    def session_id(self) -> str | None: ...


def api_principal(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    _cookie: Annotated[str | None, Depends(SESSION_COOKIE_SCHEME)],
) -> Principal:
    """The principal of this API request; ``AuthenticationError`` (401) if there is none.

    ``_cookie`` is there for the OpenAPI document only: the session middleware has
    already checked the cookie and put the session into the request scope.
    """
    if bearer is not None:
        ctx = ServiceContext.from_settings(settings, actor="api")
        # the token was counted before the request's transaction began (``get_session``)
        return tokens.authenticate(session, ctx, bearer.credentials.strip())
    if "authorization" in request.headers:  # present but empty or not a bearer token
        raise AuthenticationError("use 'Authorization: Bearer cst_...' with an API token")
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
