"""Two organisations and their people, for asking every page route as a browser would.

``home`` is run by ``owner``, who is also the learner of home's award (it is in their
wallet); ``other`` is run by ``stranger``, whose award is private and in their wallet.
Each side has a published micro-credential, an award, a bulk job and a claim link.
Browsers hold a real signed session cookie (a visitor's has a CSRF token and no user).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from credstack.services.accounts import authz
from credstack.services.accounts.users import Principal
from credstack.services.achievements import lifecycle
from credstack.services.context import ServiceContext
from credstack.services.issuing import awards
from credstack.services.issuing.bulk_jobs import BulkJobs
from credstack.services.learners import wallet
from credstack.services.learners.claims import queue_claim_email
from credstack.settings import Settings
from credstack.store.models import User
from signed_in import SESSION_COOKIE, session_cookie

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"
CSRF = "page-world-csrf-token"
#: what the ``Accept`` header of a browser and of a program looks like
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PROGRAM = {"Accept": "application/json"}


@dataclass(frozen=True)
class Side:
    """One organisation's ids, by the name of the path parameter they fill."""

    ids: dict[str, str]


@dataclass(frozen=True)
class PageWorld:
    home: Side
    other: Side
    owner: User
    stranger: User


def _user(db: Session, email: str) -> User:
    user = User(email=email, name=email.split("@")[0].title(), password_hash=None)
    db.add(user)
    db.flush()
    return user


def _side(db: Session, ctx: ServiceContext, jobs: BulkJobs, owner: User, slug: str) -> Side:
    organization = authz.create_organization(
        db, ctx, Principal(owner.id), name=f"Org {slug}", type="university",
        url="https://www.example-university.eu", country="NL", slug=slug,
    )  # fmt: skip
    achievement = lifecycle.create_achievement(
        db, ctx, issuer_slug=slug, definition=EXAMPLE.read_text(encoding="utf-8")
    )
    lifecycle.publish(db, ctx, achievement.id)
    award = awards.issue_award(
        db, ctx, achievement_id=achievement.id, email=owner.email, name=owner.name
    ).award
    wallet.claim(db, ctx, award, owner)
    award.public = False
    unclaimed = awards.issue_award(
        db, ctx, achievement_id=achievement.id, email=f"new@{slug}.example", name="New Learner"
    ).award
    token = queue_claim_email(db, ctx, unclaimed).token
    job = jobs.create(organization_id=organization.id, achievement_id=achievement.id)
    return Side(
        {
            "organization_id": organization.id,
            "achievement_id": achievement.id,
            "award_id": award.id,
            "job_id": job.id,
            "token": token,
        }
    )


def build_page_world(app: FastAPI, db: Session, settings: Settings) -> PageWorld:
    ctx = ServiceContext.from_settings(settings, actor="test")
    jobs = app.state.bulk_jobs = BulkJobs(app.state.session_factory)
    owner = _user(db, "owner@example.org")
    stranger = _user(db, "stranger@example.org")
    home = _side(db, ctx, jobs, owner, "home")
    other = _side(db, ctx, jobs, stranger, "other")
    db.commit()
    return PageWorld(home, other, owner, stranger)


def browser(app: FastAPI, settings: Settings, user: User | None) -> TestClient:
    """A client holding a signed session: ``user``'s, or a visitor's (CSRF token only)."""
    client = TestClient(app)
    client.cookies.set(SESSION_COOKIE, session_cookie(app, settings, user, CSRF))
    client.headers["X-CSRF-Token"] = CSRF
    return client
