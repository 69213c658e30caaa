"""Sign up, sign in and sign out for people (issuer staff); forms with CSRF, errors by field.

The account rules live in ``services.accounts``; this module only turns form posts into
calls and the typed errors into messages next to the fields they are about.

Signing up never says whether an address already has an account: every valid form is
answered "check your e-mail", and the e-mail carries the next step
(``services.accounts.registration``): a link that finishes the sign-up once the chosen
password is entered again, or a note that the account exists. Sign-in is limited per
client IP and per client IP + address, sign-up per client IP and per address
(``core.rate_limit.DEFAULT_LIMITS``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from credstack.core.errors import (
    AuthenticationError,
    ConflictError,
    TooManyRequestsError,
    ValidationError,
)
from credstack.services.accounts import registration
from credstack.services.accounts import users as accounts
from credstack.services.rate_limits import Hit
from credstack.web.access import page_context, safe_next
from credstack.web.negotiation import page_router
from credstack.web.rendering import field_errors, flash, redirect, render
from credstack.web.sessions import (
    OptionalUser,
    WebDb,
    client_hit,
    enforce_rate_limit,
    sign_in,
    sign_out,
)

router = page_router()

FormText = Annotated[str, Form()]
#: where a new account continues when its sign-up came from no other page
NEW_ORG = "/organizations/new"


def refused(
    request: Request, template: str, exc: TooManyRequestsError, **context: object
) -> Response:
    """``template`` again with the rate limit's message on top, as a 429 with Retry-After."""
    response = render(request, template, status_code=429, errors={"": [exc.message]}, **context)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def check_your_email(request: Request, address: str, reason: str) -> Response:
    """The one answer to a sign-up or reset request, whether or not ``address`` has an account."""
    return render(request, "auth/check_email.html", address=address, reason=reason)


@router.get("/sign-up", response_class=HTMLResponse)
def sign_up_form(request: Request, user: OptionalUser) -> Response:
    if user is not None:
        return redirect("/dashboard")
    return render(request, "auth/sign_up.html", values={})


@router.post("/sign-up", response_class=HTMLResponse)
def sign_up(
    request: Request,
    db: WebDb,
    name: FormText = "",
    email: FormText = "",
    password: FormText = "",
) -> Response:
    values = {"name": name, "email": email}
    try:
        address = accounts.checked_sign_up(email=email, name=name, password=password)
        enforce_rate_limit(request, client_hit(request, "sign-up"), Hit("account-mail", address))
        registration.request_sign_up(
            db, page_context(request, "web"), email=email, name=name, password=password
        )
    except TooManyRequestsError as exc:
        return refused(request, "auth/sign_up.html", exc, values=values)
    except ValidationError as exc:
        errors = field_errors(exc.problems)
        return render(request, "auth/sign_up.html", status_code=422, values=values, errors=errors)
    return check_your_email(request, address, "sign-up")


@router.get("/sign-up/confirm/{token}", response_class=HTMLResponse)
def confirm_form(request: Request, token: str, db: WebDb) -> Response:
    pending = registration.pending_sign_up(db, page_context(request, "web"), token)
    return render(request, "auth/confirm.html", token=token, email=pending.email)


@router.post("/sign-up/confirm/{token}", response_class=HTMLResponse)
def confirm(request: Request, token: str, db: WebDb, password: FormText = "") -> Response:
    ctx = page_context(request, "web")
    pending = registration.pending_sign_up(db, ctx, token)
    next_path = safe_next(pending.next_path, NEW_ORG)
    try:
        user = registration.confirm_sign_up(db, ctx, token, password)
    except (AuthenticationError, ConflictError) as exc:
        errors = {"": [exc.message]}
        status = 401 if isinstance(exc, AuthenticationError) else 409
        return render(
            request,
            "auth/confirm.html",
            status_code=status,
            token=token,
            email=pending.email,
            errors=errors,
        )
    sign_in(request, db, user)
    then = "Create your organisation to start issuing." if next_path == NEW_ORG else ""
    flash(request, f"Welcome, {user.name}. {then}".strip(), "success")
    return redirect(next_path)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, user: OptionalUser, next: str = "") -> Response:
    if user is not None:
        return redirect(safe_next(next))
    return render(request, "auth/sign_in.html", values={"next": safe_next(next, "")})


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in_post(
    request: Request,
    db: WebDb,
    email: FormText = "",
    password: FormText = "",
    next: FormText = "",
) -> Response:
    values = {"email": email, "next": safe_next(next, "")}
    try:
        enforce_rate_limit(
            request,
            client_hit(request, "sign-in-ip"),
            client_hit(request, "sign-in", accounts.normalise_email(email)),
        )
        user = accounts.sign_in(db, email=email, password=password)
    except TooManyRequestsError as exc:
        return refused(request, "auth/sign_in.html", exc, values=values)
    except (AuthenticationError, ValidationError) as exc:
        errors = {"": [exc.message]}
        status = 401 if isinstance(exc, AuthenticationError) else 422
        return render(
            request, "auth/sign_in.html", status_code=status, values=values, errors=errors
        )
    sign_in(request, db, user)
    return redirect(safe_next(next))


@router.post("/sign-out")
def sign_out_post(request: Request, db: WebDb) -> Response:
    sign_out(request, db)
    return redirect("/")
