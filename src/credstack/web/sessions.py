"""Signed session cookies for people, and the CSRF check on every unsafe request.

The session lives entirely in one cookie: a small JSON payload (user id, CSRF token,
expiry, a fingerprint of the password hash) signed with HMAC-SHA256 under a key derived
from the deployment's master secret. No session table is needed, and changing one's
password ends every other session because the fingerprint no longer matches. The cookie
is ``HttpOnly``, ``SameSite=Lax``, ``Path=/`` and ``Secure`` when the base URL is https;
it expires after :data:`SESSION_LIFETIME` and is renewed when half of that has passed.

CSRF: each session carries a random token; pages put it in a hidden ``csrf_token`` field
(:func:`csrf_token`), scripts may send it as ``X-CSRF-Token``. The middleware refuses,
before a route runs, any POST/PUT/PATCH/DELETE without it that either carries the session
cookie or is a form (url-encoded, multipart, text/plain) to a page. Exempt are
``POST /api/v1/verify`` (anonymous, no state changes), requests with a bearer token
(no ambient cookie authority), and API calls that carry no session cookie at all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from http.cookies import SimpleCookie
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credstack.core.errors import AuthenticationError
from credstack.core.rate_limit import RateLimiters
from credstack.services.accounts import users as accounts
from credstack.settings import Settings
from credstack.store.models import User
from credstack.store.request_scope import mark_reads_only, request_scope

SESSION_COOKIE = "credstack_session"
SESSION_LIFETIME = 7 * 24 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_EXEMPT_PATHS = frozenset({"/api/v1/verify"})
#: largest form body the CSRF check buffers (the CSV upload limit plus multipart overhead)
MAX_FORM_BYTES = 51 * 1024 * 1024
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SCOPE_KEY = "credstack.session"
#: content types a page on another site can POST without asking (no CORS preflight)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
CSRF_REFUSED = (
    "this form has expired or was sent from another site (no valid CSRF token): "
    "reload the page and send it again"
)


def session_key(master_secret: bytes) -> bytes:
    """The cookie-signing key: derived, so the master secret itself never signs cookies."""
    return hmac.new(master_secret, b"credstack/session-cookie/v1", hashlib.sha256).digest()


def encode_cookie(key: bytes, data: dict[str, Any]) -> str:
    """``payload.signature``, both base64url, the payload being compact JSON."""
    payload = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return payload + "." + _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def decode_cookie(key: bytes, value: str, now: float) -> dict[str, Any] | None:
    """The payload if the signature is ours and it has not expired, else None."""
    payload, _, signature = value.partition(".")
    expected = _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        return None
    try:
        data = json.loads(_unb64(payload))
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("exp"), int) or data["exp"] <= now:
        return None
    return data


class WebSession:
    """The current request's session data; changes are written back as a cookie."""

    def __init__(self, data: dict[str, Any] | None) -> None:
        self.data: dict[str, Any] = dict(data or {})
        self.dirty = False

    @property
    def user_id(self) -> str | None:
        value = self.data.get("uid")
        return value if isinstance(value, str) else None

    def csrf(self) -> str:
        """The session's CSRF token, created on first use (this also starts a session)."""
        token = self.data.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(32)
            self.data["csrf"] = token
            self.dirty = True
        return token

    def start(self, user: User) -> None:
        """A fresh session for ``user``: new CSRF token, so a fixed session cannot be reused."""
        self.data = {
            "uid": user.id,
            "csrf": secrets.token_urlsafe(32),
            "pw": accounts.password_fingerprint(user),
        }
        self.dirty = True

    def clear(self) -> None:
        self.data = {}
        self.dirty = True


def web_session(request: Request) -> WebSession:
    """The session of this request (installed by :class:`SessionMiddleware`)."""
    session = request.scope.get(_SCOPE_KEY)
    if not isinstance(session, WebSession):
        raise RuntimeError("SessionMiddleware is not installed (call install_sessions)")
    return session


def csrf_token(request: Request) -> str:
    """The value pages put in their hidden ``csrf_token`` field."""
    return web_session(request).csrf()


def sign_in(request: Request, user: User) -> None:
    """Make ``user`` the signed-in person of this browser (call after ``accounts.sign_in``)."""
    web_session(request).start(user)


def sign_out(request: Request) -> None:
    web_session(request).clear()


async def get_web_db(request: Request) -> AsyncIterator[Session]:
    """A page request's database session: committed on success, rolled back on error.

    The same contract as ``credstack.api.dependencies.get_session`` (pages may not import
    the API package: the two edges are independent layers): GET and HEAD pages read
    without waiting for writers, forms begin their write transaction up front.
    """
    async with request_scope(request) as session:
        yield session


async def reads_only(request: Request) -> None:
    """Mark this page request as one that only reads (a form that verifies, then shows).

    The same as ``credstack.api.dependencies.reads_only``, for pages.
    """
    mark_reads_only(request)


#: ``dependencies=[ReadsOnly]``: the form only reads, then works without the database
ReadsOnly = Depends(reads_only)
#: a page request's session, committed before the response goes out
WebDb = Annotated[Session, Depends(get_web_db, scope="function")]


def optional_user(request: Request, db: WebDb) -> User | None:
    """The signed-in user, or None (no session, deleted account, password changed since)."""
    session = web_session(request)
    if session.user_id is None:
        return None
    user = accounts.session_user(db, session.user_id, session.data.get("pw"))
    if user is None:
        session.clear()
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The signed-in user; ``AuthenticationError`` (401) when nobody is signed in."""
    if user is None:
        raise AuthenticationError("you are not signed in: sign in at /sign-in and try again")
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]


class SessionMiddleware:
    """Loads and saves the session cookie, and refuses unsafe requests without CSRF token."""

    def __init__(self, app: ASGIApp, settings: Settings, clock: Callable[[], float] = time.time):
        self.app = app
        self.settings = settings
        self.secure = settings.base_url.startswith("https://")
        self.clock = clock
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = session_key(self.settings.master_secret())
        return self._key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        now = self.clock()
        headers = _headers(scope)
        raw_cookie = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
        data = decode_cookie(self.key, raw_cookie, now) if raw_cookie else None
        session = WebSession(data)
        if data is not None and data["exp"] - now < SESSION_LIFETIME / 2:
            session.dirty = True  # renew a session that is past half its life
        scope[_SCOPE_KEY] = session
        if _needs_csrf(scope, headers, has_cookie=raw_cookie is not None):
            body = await _read_body(receive, MAX_FORM_BYTES)
            if body is None:
                await _send_problem(scope, send, 413, "the form is larger than 51 MB")
                return
            presented = headers.get(CSRF_HEADER) or await _form_field(scope, body, CSRF_FIELD)
            expected = session.data.get("csrf")
            if not (
                isinstance(expected, str)
                and presented
                and hmac.compare_digest(presented.encode(), expected.encode())
            ):
                await _send_problem(scope, send, 403, CSRF_REFUSED)
                return
            receive = _replay(body)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.dirty:
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], self._set_cookie(session, now)]
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _set_cookie(self, session: WebSession, now: float) -> tuple[bytes, bytes]:
        attributes = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if self.secure else "")
        if not session.data:
            value = f"{SESSION_COOKIE}=; Max-Age=0{attributes}"
        else:
            data = {**session.data, "exp": int(now) + SESSION_LIFETIME}
            value = (
                f"{SESSION_COOKIE}={encode_cookie(self.key, data)}; "
                f"Max-Age={SESSION_LIFETIME}{attributes}"
            )
        return b"set-cookie", value.encode("latin-1")


def install_sessions(app: FastAPI) -> None:
    """Add the session + CSRF middleware and the rate limiters to an app (``create_app``)."""
    app.state.rate_limiters = RateLimiters()
    app.add_middleware(SessionMiddleware, settings=app.state.settings)


def client_address(request: Request) -> str:
    """The peer's IP address (no proxy header is trusted: set one up in the proxy instead)."""
    return request.client.host if request.client is not None else "unknown"


def enforce_rate_limit(request: Request, name: str, key: str = "") -> None:
    """Count one hit of limiter ``name`` for this client (+ ``key``); 429 when over it."""
    limiters: RateLimiters = request.app.state.rate_limiters
    decision = limiters.get(name).hit(f"{client_address(request)}|{key}", time.monotonic())
    if not decision.allowed:
        raise HTTPException(
            429,
            f"too many attempts: wait {decision.retry_after} seconds and try again",
            headers={"Retry-After": str(decision.retry_after)},
        )


def _needs_csrf(scope: Scope, headers: dict[str, str], *, has_cookie: bool) -> bool:
    """Check requests that carry ambient authority (the cookie) or a form a site could post.

    A form posted from another site may arrive without our cookie (``SameSite=Lax``) yet
    still sign the victim in to the attacker's account, so page forms are checked even
    without a cookie. A cookie-less API call, or one with no form body, has no authority
    a third-party site could borrow.
    """
    if scope["method"] not in _UNSAFE or scope["path"] in CSRF_EXEMPT_PATHS:
        return False
    if headers.get("authorization", "").lower().startswith("bearer "):
        return False
    if has_cookie:
        return True
    if scope["path"].startswith("/api/"):
        return False
    return headers.get("content-type", "").lower().startswith(_FORM_TYPES)


def _headers(scope: Scope) -> dict[str, str]:
    return {
        name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
    }


def _cookie(header: str, name: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed Cookie header is treated as no session
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None and morsel.value else None


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _form_field(scope: Scope, body: bytes, field: str) -> str | None:
    """One field of a url-encoded or multipart body (None for other content types)."""
    content_type = _headers(scope).get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    request = Request(scope, _replay(body))
    try:
        form = await request.form()
    except Exception:  # an unparseable form has no token; the check then refuses it
        return None
    try:
        value = form.get(field)
        return value if isinstance(value, str) else None
    finally:
        await form.close()


async def _send_problem(scope: Scope, send: Send, status: int, detail: str) -> None:
    """An RFC 9457 body like the API's (``api.problems`` is out of reach of ``web``)."""
    body = {
        "type": "urn:credstack:problem:" + ("csrf" if status == 403 else "too-large"),
        "title": "Forbidden" if status == 403 else "Too large",
        "status": status,
        "detail": detail,
        "instance": scope["path"],
    }
    response = JSONResponse(body, status_code=status, media_type="application/problem+json")
    await response(scope, _replay(b""), send)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
