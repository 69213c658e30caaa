"""Findings 5 and 12 of the hardening issue, as a browser and an attacker meet them.

A copied cookie stops working when its owner signs out or changes the password; a
forgotten password is reset by e-mail; sign-in costs the same for unknown and known
addresses and is limited per IP and per IP + address; sign-up is limited per IP.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from web_client import PASSWORD, csrf_from, emailed_link, post_form, sign_up

from credstack.app import create_app
from credstack.settings import Settings
from credstack.store.models import User, UserSession
from credstack.web.sessions import SESSION_COOKIE

NEW_PASSWORD = "a different sentence of words"
AppWithLimits = Callable[[str], FastAPI]


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture
def app_with_limits(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session]
) -> AppWithLimits:
    """An app whose ``CREDSTACK_RATE_LIMITS`` is the given text."""

    def build(limits: str) -> FastAPI:
        limited = settings.model_copy(update={"rate_limits": limits})
        return create_app(limited, engine=engine, sessions=sessions)

    return build


def _copy_of(browser: TestClient) -> TestClient:
    """Another client holding the same session cookie (a stolen or copied cookie)."""
    thief = TestClient(browser.app)
    cookie = browser.cookies.get(SESSION_COOKIE)
    assert cookie
    thief.cookies.set(SESSION_COOKIE, cookie)
    return thief


def _signed_in(client: TestClient) -> bool:
    status: int = client.get("/dashboard", follow_redirects=False).status_code
    return status == 200


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(client: TestClient) -> None:
    sign_up(client, "ada@example.org")
    thief = _copy_of(client)
    assert _signed_in(thief)
    out = client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/dashboard"))})
    assert out.status_code == 200
    assert not _signed_in(thief)
    assert not _signed_in(client)


def test_a_copied_cookie_stops_working_after_a_password_change(
    client: TestClient, db: Session
) -> None:
    sign_up(client, "ada@example.org")
    thief = _copy_of(client)
    other_device = TestClient(client.app)
    post_form(other_device, "/sign-in", {"email": "ada@example.org", "password": PASSWORD})
    assert _signed_in(thief) and _signed_in(other_device)

    wrong = post_form(
        client,
        "/account/password",
        {"current_password": "not it at all", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 401 and "current password is not right" in wrong.text
    changed = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    # the browser that changed it holds a fresh session, the others none
    assert "Every other device was signed out" in client.get("/dashboard").text
    assert not _signed_in(thief) and not _signed_in(other_device)
    db.expire_all()
    user = db.scalars(select(User).where(User.email == "ada@example.org")).one()
    assert len(db.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()) == 1


def test_a_forgotten_password_is_reset_by_email(client: TestClient, app: FastAPI) -> None:
    sign_up(client, "ada@example.org")
    thief = _copy_of(client)
    visitor = TestClient(app)
    known = post_form(visitor, "/password-reset", {"email": "ada@example.org"})
    unknown = post_form(visitor, "/password-reset", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert _main(known.text).replace("ada@", "nobody@") == _main(unknown.text)

    link = emailed_link(visitor, "ada@example.org", "/password-reset/")
    form = visitor.get(link)
    assert form.status_code == 200 and "ada@example.org" in form.text
    short = post_form(visitor, link, {"new_password": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    done = post_form(visitor, link, {"new_password": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/sign-in"
    assert not _signed_in(thief) and not _signed_in(client)
    assert visitor.get(link).status_code == 404  # used up
    old = post_form(visitor, "/sign-in", {"email": "ada@example.org", "password": PASSWORD})
    assert old.status_code == 401
    new = post_form(visitor, "/sign-in", {"email": "ada@example.org", "password": NEW_PASSWORD})
    assert new.status_code == 303


def test_sign_in_is_limited_per_address(client: TestClient) -> None:
    sign_up(client, "ada@example.org")
    attacker = TestClient(client.app)
    wrong = {"email": "ada@example.org", "password": "guess number x"}
    codes = [post_form(attacker, "/sign-in", wrong).status_code for _ in range(10)]
    refused = post_form(attacker, "/sign-in", wrong)
    assert codes == [401] * 10
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "too many attempts" in refused.text and 'value="ada@example.org"' in refused.text
    # the right password does not get through either until the minute is over
    right = post_form(attacker, "/sign-in", {"email": "ada@example.org", "password": PASSWORD})
    assert right.status_code == 429


def test_many_addresses_from_one_ip_are_limited(app_with_limits: AppWithLimits) -> None:
    """The probe tried 10,050 addresses from one IP and none was limited; now the IP is."""
    attacker = TestClient(app_with_limits("sign-in-ip=20/minute"))
    token = csrf_from(attacker.get("/sign-in"))
    codes = [
        attacker.post(
            "/sign-in",
            data={"email": f"user{n}@example.org", "password": "password1", "csrf_token": token},
        ).status_code
        for n in range(50)
    ]
    assert codes == [401] * 20 + [429] * 30


def test_sign_up_is_limited_per_ip(client: TestClient) -> None:
    token = csrf_from(client.get("/sign-up"))
    codes = [
        client.post(
            "/sign-up",
            data={
                "name": "N",
                "email": f"new{n}@example.org",
                "password": PASSWORD,
                "csrf_token": token,
            },
        ).status_code
        for n in range(21)
    ]
    assert codes == [200] * 20 + [429]


def test_sign_up_mail_to_one_address_is_limited_whoever_asks(app: FastAPI) -> None:
    codes = []
    for _ in range(6):  # a new client each time: as if from anywhere
        browser = TestClient(app)
        form = {"name": "N", "email": "victim@example.org", "password": PASSWORD}
        codes.append(post_form(browser, "/sign-up", form).status_code)
    assert codes == [200] * 5 + [429]


def _median_seconds(request: Callable[[], object], tries: int = 9) -> float:
    times = []
    for _ in range(tries):
        start = time.perf_counter()
        request()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@pytest.mark.parametrize("length", [24, 1025, 5000], ids=["normal", "over-1024", "5000"])
def test_sign_in_costs_the_same_for_unknown_and_known_addresses(
    app_with_limits: AppWithLimits, length: int
) -> None:
    """Finding 12: a long password took 4 ms for a known address and 53 ms for an unknown."""
    app = app_with_limits("sign-in=1000/minute,sign-in-ip=1000/minute")
    owner = TestClient(app)
    sign_up(owner, "known@example.org")
    attacker = TestClient(app)
    token = csrf_from(attacker.get("/sign-in"))

    def attempt(email: str) -> Callable[[], object]:
        data = {"email": email, "password": "p" * length, "csrf_token": token}
        return lambda: attacker.post("/sign-in", data=data)

    known = _median_seconds(attempt("known@example.org"))
    unknown = _median_seconds(attempt("unknown@example.org"))
    assert max(known, unknown) / min(known, unknown) < 3, (known, unknown)
    if length > 1024:
        response = attempt("known@example.org")()
        assert "at most 1,024 bytes" in getattr(response, "text", "")


def test_the_sole_owner_cannot_delete_their_account(client: TestClient, db: Session) -> None:
    sign_up(client, "owner@example.org")
    post_form(
        client,
        "/organizations/new",
        {"name": "Open Data Academy", "type": "university", "url": "https://a.example"}
        | {"country": "NL"},
    )
    refused = post_form(client, "/wallet/delete", {"confirm_email": "owner@example.org"})
    assert refused.status_code == 409
    assert "the only owner of Open Data Academy" in refused.text
    assert "transfer ownership" in refused.text
    assert _signed_in(client)
    assert db.scalars(select(User).where(User.email == "owner@example.org")).first() is not None


def _main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]
