"""Changing the password (signed in) and resetting a forgotten one by e-mail.

``/account/password`` asks for the current password and a new one; afterwards every
other session of the account has ended and this browser holds a fresh one. Attempts
count against the ``sign-in`` limit of the account's address, as guesses of a password.

``/password-reset`` asks for an address and always answers "check your e-mail"; the
link it sends (``/password-reset/{token}``, valid one hour, once) sets a new password,
ends every session, and leads to the sign-in form.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from credstack.core.email_address import address_problem
from credstack.core.errors import AuthenticationError, TooManyRequestsError, ValidationError
from credstack.services.accounts import passwords
from credstack.services.accounts import users as accounts
from credstack.services.rate_limits import Hit
from credstack.web.access import SignedInPerson, page_context
from credstack.web.negotiation import page_router
from credstack.web.rendering import field_errors, flash, redirect, render
from credstack.web.routes.auth import check_your_email, refused
from credstack.web.sessions import (
    WebDb,
    client_hit,
    count_rate_limit,
    enforce_rate_limit,
    sign_in,
)

router = page_router()

FormText = Annotated[str, Form()]


@router.get("/account/password", response_class=HTMLResponse)
def change_form(request: Request, person: SignedInPerson) -> Response:
    return render(request, "auth/change_password.html", user=person.user)


@router.post("/account/password", response_class=HTMLResponse)
def change(
    request: Request,
    db: WebDb,
    person: SignedInPerson,
    current_password: FormText = "",
    new_password: FormText = "",
) -> Response:
    user = person.user
    try:
        # in this request's transaction: the person's session was read already
        count_rate_limit(request, db, client_hit(request, "sign-in", user.email))
        passwords.change_password(db, person.ctx, user, current=current_password, new=new_password)
    except TooManyRequestsError as exc:
        return refused(request, "auth/change_password.html", exc, user=user)
    except AuthenticationError as exc:
        errors = {"current_password": [exc.message]}
        return render(
            request, "auth/change_password.html", status_code=401, user=user, errors=errors
        )
    except ValidationError as exc:
        errors = field_errors(exc.problems)
        return render(
            request, "auth/change_password.html", status_code=422, user=user, errors=errors
        )
    sign_in(request, db, user)
    flash(request, "Your password was changed. Every other device was signed out.", "success")
    return redirect("/dashboard")


@router.get("/password-reset", response_class=HTMLResponse)
def reset_request_form(request: Request) -> Response:
    return render(request, "auth/reset_request.html", values={})


@router.post("/password-reset", response_class=HTMLResponse)
def reset_request(request: Request, db: WebDb, email: FormText = "") -> Response:
    values = {"email": email}
    address = accounts.normalise_email(email)
    problem = address_problem(address)
    if problem is not None:
        errors = {"email": [problem]}
        return render(
            request, "auth/reset_request.html", status_code=422, values=values, errors=errors
        )
    try:
        enforce_rate_limit(
            request, client_hit(request, "password-reset"), Hit("account-mail", address)
        )
    except TooManyRequestsError as exc:
        return refused(request, "auth/reset_request.html", exc, values=values)
    passwords.request_reset(db, page_context(request, "web"), address)
    return check_your_email(request, address, "password-reset")


@router.get("/password-reset/{token}", response_class=HTMLResponse)
def reset_form(request: Request, token: str, db: WebDb) -> Response:
    user = passwords.reset_account(db, page_context(request, "web"), token)
    return render(request, "auth/reset_password.html", token=token, email=user.email)


@router.post("/password-reset/{token}", response_class=HTMLResponse)
def reset(request: Request, token: str, db: WebDb, new_password: FormText = "") -> Response:
    ctx = page_context(request, "web")
    user = passwords.reset_account(db, ctx, token)
    try:
        passwords.reset_password(db, ctx, token, new_password)
    except ValidationError as exc:
        errors = field_errors(exc.problems)
        return render(
            request,
            "auth/reset_password.html",
            status_code=422,
            token=token,
            email=user.email,
            errors=errors,
        )
    flash(request, "Your password was changed. Sign in with the new one.", "success")
    return redirect("/sign-in")
