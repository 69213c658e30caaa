"""Sign up, sign in and sign out for people (issuer staff); forms with CSRF, errors by field.

The account rules live in ``services.accounts.users``; this module only turns form posts into
calls and the typed errors into messages next to the fields they are about. Sign-in is
rate limited per client and address (W1's ``sign-in`` limiter).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from credstack.core.errors import AuthenticationError, ConflictError, ValidationError
from credstack.services.accounts import users as accounts
from credstack.web.access import page_context, safe_next
from credstack.web.negotiation import page_router
from credstack.web.rendering import field_errors, flash, redirect, render
from credstack.web.sessions import OptionalUser, WebDb, enforce_rate_limit, sign_in, sign_out

router = page_router()

FormText = Annotated[str, Form()]


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
        user = accounts.sign_up(
            db, page_context(request, "web"), email=email, name=name, password=password
        )
    except ValidationError as exc:
        errors = field_errors(exc.problems)
        return render(request, "auth/sign_up.html", status_code=422, values=values, errors=errors)
    except ConflictError as exc:
        errors = {"email": [exc.message]}
        return render(request, "auth/sign_up.html", status_code=409, values=values, errors=errors)
    sign_in(request, user)
    flash(request, f"Welcome, {user.name}. Create your organisation to start issuing.", "success")
    return redirect("/organizations/new")


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
        enforce_rate_limit(request, "sign-in", accounts.normalise_email(email))
    except HTTPException as exc:
        errors = {"": [str(exc.detail)]}
        return render(request, "auth/sign_in.html", status_code=429, values=values, errors=errors)
    try:
        user = accounts.sign_in(db, email=email, password=password)
    except AuthenticationError as exc:
        errors = {"": [exc.message]}
        return render(request, "auth/sign_in.html", status_code=401, values=values, errors=errors)
    sign_in(request, user)
    return redirect(safe_next(next))


@router.post("/sign-out")
def sign_out_post(request: Request) -> Response:
    sign_out(request)
    return redirect("/")
