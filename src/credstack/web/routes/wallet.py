"""The learner's pages: claim links, the wallet, sharing toggles, data export, deletion.

``/claim/{token}`` is the link in the claim e-mail. A valid link lets the learner sign in
or create an account right there, then accept or decline; an expired link says when it
expired and offers a new one (rate limited, sent to the awarded address only). The
wallet's forms are plain POSTs with the CSRF field, answered with a redirect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from credstack.core.errors import (
    ConflictError,
    NotFoundError,
    TooManyRequestsError,
    ValidationError,
)
from credstack.services.accounts import registration
from credstack.services.accounts import users as accounts
from credstack.services.context import ServiceContext
from credstack.services.learners import wallet
from credstack.services.learners.claims import resend_claim
from credstack.services.learners.sharing import award_facts, linkedin_add_url
from credstack.services.rate_limits import Hit
from credstack.store.models import Award
from credstack.web.access import SignedIn, SignedInPerson, context_for
from credstack.web.negotiation import page_router
from credstack.web.rendering import field_errors, flash, redirect, render
from credstack.web.routes.auth import check_your_email
from credstack.web.sessions import (
    OptionalUser,
    WebDb,
    client_hit,
    count_rate_limit,
    sign_in,
    sign_out,
)

router = page_router()

FormText = Annotated[str, Form()]


def _masked(email: str) -> str:
    """``a***@example.org``: enough for the learner to recognise, little for anyone else."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


# ---- claim -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownClaim:
    """A claim link that names an award: claimable, or why not (expired, used, revoked)."""

    award: Award
    problem: str | None
    expired: bool


def _known_claim(db: WebDb, token: str, ctx: ServiceContext) -> KnownClaim:
    """The state of a claim link we know; an unknown one is a 404 (page or problem JSON)."""
    state = wallet.claim_state(db, token, ctx.now())
    if state.award is None:
        raise NotFoundError(state.problem or "this claim link is not valid")
    return KnownClaim(state.award, state.problem, state.expired)


@router.get("/claim/{token}", response_class=HTMLResponse)
def claim_page(request: Request, token: str, db: WebDb, user: OptionalUser) -> Response:
    ctx = context_for(request, user)
    state = _known_claim(db, token, ctx)
    if state.problem is not None:
        status = 410 if state.expired else 409
        return render(
            request,
            "wallet/claim_problem.html",
            status_code=status,
            user=user,
            state=state,
            token=token,
            masked=_masked(state.award.recipient_email),
        )
    facts = award_facts(db, ctx, state.award)
    return render(request, "wallet/claim.html", user=user, facts=facts, token=token, values={})


@router.post("/claim/{token}", response_class=HTMLResponse)
def claim_respond(
    request: Request, token: str, db: WebDb, person: SignedInPerson, action: FormText = ""
) -> Response:
    state = _known_claim(db, token, person.ctx)
    if state.problem is not None:
        return redirect(f"/claim/{token}")
    award = wallet.claim(db, person.ctx, state.award, person.user)
    accepted = action != "decline"
    wallet.respond(db, person.ctx, person.user, award.id, accept=accepted)
    flash(
        request,
        "The credential is in your wallet." if accepted else "You declined the credential.",
        "success",
    )
    return redirect("/wallet")


@router.post("/claim/{token}/sign-up", response_class=HTMLResponse)
def claim_sign_up(
    request: Request,
    token: str,
    db: WebDb,
    user: OptionalUser,
    name: FormText = "",
    email: FormText = "",
    password: FormText = "",
) -> Response:
    """An account from a claim link: at once for the awarded address, else by e-mail.

    The claim link came to the awarded address, so its holder controls that mailbox and
    may learn whether it has an account. Any other address goes through the sign-up by
    e-mail (``services.accounts.registration``), whose link comes back to this claim.
    """
    ctx = context_for(request, user)
    state = _known_claim(db, token, ctx)
    if state.problem is not None:
        return redirect(f"/claim/{token}")
    values = {"name": name, "email": email}
    status, retry_after = 422, None
    try:
        address = accounts.checked_sign_up(email=email, name=name, password=password)
        awarded = address == accounts.normalise_email(state.award.recipient_email)
        hits = [client_hit(request, "sign-up")] + (
            [] if awarded else [Hit("account-mail", address)]
        )
        # in this request's transaction: the claim was read already
        count_rate_limit(request, db, *hits)
        if not awarded:
            registration.request_sign_up(
                db, ctx, email=email, name=name, password=password, next_path=f"/claim/{token}"
            )
            return check_your_email(request, address, "sign-up")
        new_user = accounts.sign_up(db, ctx, email=email, name=name, password=password)
    except ValidationError as exc:
        errors = field_errors(exc.problems)
    except ConflictError as exc:
        errors = {"email": [exc.message]}
    except TooManyRequestsError as exc:
        errors, status, retry_after = {"": [exc.message]}, 429, exc.retry_after
    else:
        sign_in(request, db, new_user)
        flash(request, f"Welcome, {new_user.name}. Accept or decline your credential.", "success")
        return redirect(f"/claim/{token}")
    facts = award_facts(db, ctx, state.award)
    response = render(
        request,
        "wallet/claim.html",
        status_code=status,
        user=user,
        facts=facts,
        token=token,
        values=values,
        errors=errors,
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@router.post("/claim/{token}/resend", response_class=HTMLResponse)
def claim_resend(request: Request, token: str, db: WebDb, user: OptionalUser) -> Response:
    ctx = context_for(request, user)
    state = _known_claim(db, token, ctx)
    if not state.expired:
        return redirect(f"/claim/{token}")
    # in this request's transaction: the hit stands with the e-mail it lets out
    count_rate_limit(request, db, client_hit(request, "claim-resend", state.award.id))
    link = resend_claim(db, ctx, state.award.id)
    return render(
        request,
        "wallet/claim_resent.html",
        user=user,
        masked=_masked(state.award.recipient_email),
        expires_at=link.expires_at,
    )


# ---- wallet ------------------------------------------------------------------------------


@router.get("/wallet", response_class=HTMLResponse)
def wallet_page(request: Request, db: WebDb, person: SignedInPerson) -> Response:
    cards = []
    for entry in wallet.wallet(db, person.user):
        facts = award_facts(db, person.ctx, entry.award)
        cards.append({"entry": entry, "facts": facts, "linkedin": linkedin_add_url(facts)})
    return render(request, "wallet/index.html", user=person.user, cards=cards)


def _act(request: Request, person: SignedIn, action: str, award_id: str, db: WebDb) -> Response:
    """Accept, decline or share one credential of the wallet.

    A refusal, including an id that is not in this wallet, is a message on the wallet
    page the form was on, not an error page.
    """
    try:
        if action in ("accept", "decline"):
            wallet.respond(db, person.ctx, person.user, award_id, accept=action == "accept")
            flash(request, f"Credential {action}ed.", "success")
        else:
            wallet.set_public(db, person.ctx, person.user, award_id, action == "public-on")
            state = "on" if action == "public-on" else "off"
            flash(request, f"The public page is {state}.", "success")
    except (NotFoundError, ConflictError) as exc:
        flash(request, exc.message, "error")
    return redirect(f"/wallet#award-{award_id}")


@router.post("/wallet/{award_id}/accept")
def accept(request: Request, award_id: str, db: WebDb, person: SignedInPerson) -> Response:
    return _act(request, person, "accept", award_id, db)


@router.post("/wallet/{award_id}/decline")
def decline(request: Request, award_id: str, db: WebDb, person: SignedInPerson) -> Response:
    return _act(request, person, "decline", award_id, db)


@router.post("/wallet/{award_id}/public")
def public(
    request: Request, award_id: str, db: WebDb, person: SignedInPerson, public: FormText = ""
) -> Response:
    return _act(request, person, "public-on" if public == "on" else "public-off", award_id, db)


@router.get("/wallet/export")
def export(db: WebDb, person: SignedInPerson) -> Response:
    return Response(
        wallet.export_my_data(db, person.user),
        media_type="application/zip",
        headers={
            "Content-Disposition": 'attachment; filename="credstack-my-data.zip"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/wallet/delete", response_class=HTMLResponse)
def delete_form(request: Request, person: SignedInPerson) -> Response:
    return render(request, "wallet/delete.html", user=person.user)


@router.post("/wallet/delete", response_class=HTMLResponse)
def delete(
    request: Request, db: WebDb, person: SignedInPerson, confirm_email: FormText = ""
) -> Response:
    if accounts.normalise_email(confirm_email) != person.user.email:
        errors = {"confirm_email": ["type the e-mail address of this account to confirm"]}
        return render(
            request, "wallet/delete.html", status_code=422, user=person.user, errors=errors
        )
    try:
        wallet.delete_account(db, person.ctx, person.user)
    except ConflictError as exc:  # the last owner of an organisation
        errors = {"": [exc.message]}
        return render(
            request, "wallet/delete.html", status_code=409, user=person.user, errors=errors
        )
    sign_out(request, db)
    flash(request, "Your account was deleted. Your credentials stay with their issuers.", "info")
    return redirect("/")
