"""Two organisations with members of every role, an achievement, a draft, an award, a token.

Callers are people with a real signed session cookie (as the browser holds it) or API
tokens; ``home`` is the callers' organisation, ``other`` belongs to a stranger.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from credstack.services.accounts import authz, tokens
from credstack.services.accounts.users import Principal
from credstack.services.achievements import lifecycle as achievements
from credstack.services.context import ServiceContext
from credstack.services.issuing import awards
from credstack.settings import Settings
from credstack.store.models import Role, User
from signed_in import SESSION_COOKIE, session_cookie

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"
CSRF = "test-csrf-token"


@dataclass
class Org:
    id: str
    achievement: str
    draft: str
    award: str
    token: str


@dataclass
class World:
    home: Org
    other: Org
    users: dict[str, User]
    ctx: ServiceContext


def make_user(db: Session, email: str) -> User:
    """An account without a password (fast: no scrypt); sessions are made directly."""
    user = User(email=email, name=email.split("@")[0].title(), password_hash=None)
    db.add(user)
    db.flush()
    return user


def _org(db: Session, ctx: ServiceContext, owner: User, slug: str) -> Org:
    org = authz.create_organization(
        db, ctx, Principal(owner.id), name=f"Org {slug}", type="university",
        url="https://www.example-university.eu", country="NL", region="Noord-Holland", slug=slug,
    )  # fmt: skip
    text = EXAMPLE.read_text(encoding="utf-8")
    published = achievements.create_achievement(db, ctx, issuer_slug=slug, definition=text)
    achievements.publish(db, ctx, published.id)
    draft = achievements.create_achievement(db, ctx, issuer_slug=slug, definition=text)
    award = awards.issue_award(
        db, ctx, achievement_id=published.id, email=f"learner@{slug}.example", name="Lena Learner"
    ).award
    token = tokens.create_token(db, ctx, Principal(owner.id), org.id, name="ci", scopes=["read"])
    return Org(org.id, published.id, draft.id, award.id, token.token.id)


def build_world(db: Session, settings: Settings) -> World:
    ctx = ServiceContext.from_settings(settings, actor="test")
    users = {name: make_user(db, f"{name}@example.org") for name in (
        "owner", "admin", "awarder", "viewer", "stranger", "newcomer"
    )}  # fmt: skip
    home = _org(db, ctx, users["owner"], "home")
    other = _org(db, ctx, users["stranger"], "other")
    for role in (Role.ADMIN, Role.AWARDER, Role.VIEWER):
        authz.set_member_role(
            db, ctx, Principal(users["owner"].id), home.id, email=users[str(role)].email, role=role
        )
    db.commit()
    return World(home, other, users, ctx)


def session_client(
    app: FastAPI,
    settings: Settings,
    user: User | None,
    sessions: sessionmaker[Session] | None = None,
) -> TestClient:
    """A client whose cookie jar holds a signed session of ``user`` (None: anonymous).

    The session row is written through ``sessions`` (default: the app's own factory).
    """
    client = TestClient(app)
    if user is not None:
        client.cookies.set(SESSION_COOKIE, session_cookie(app, settings, user, CSRF, sessions))
        client.headers["X-CSRF-Token"] = CSRF
    return client


def bearer_client(app: FastAPI, secret: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {secret}"})


def full_token(db: Session, world: World) -> tokens.NewToken:
    """A token of ``home`` (made by its owner) with every scope: read, award, admin."""
    new = tokens.create_token(
        db, world.ctx, Principal(world.users["owner"].id), world.home.id,
        name="every scope", scopes=list(authz.SCOPES),
    )  # fmt: skip
    db.commit()
    return new


def cursor_of(text: str) -> str:
    """A pagination cursor standing for ``text`` (the API writes base64 of an offset)."""
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")
