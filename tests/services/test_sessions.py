"""Sessions in the database: stored hashed, ended by sign-out and password changes, expiring."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from auth_fixtures import PASSWORD, person
from clock_fixtures import START, Clock, clock, ctx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credstack.services.accounts import passwords
from credstack.services.accounts.sessions import (
    TOUCH_GRANULARITY,
    SessionPolicy,
    end_session,
    session_user,
    start_session,
)
from credstack.services.context import ServiceContext
from credstack.store.models import UserSession

POLICY = SessionPolicy(idle=timedelta(hours=24), lifetime=timedelta(days=14))

__all__ = ["clock", "ctx"]


def test_a_session_names_its_user_and_only_its_digest_is_stored(
    db: Session, ctx: ServiceContext
) -> None:
    ada = person(db, ctx, "ada")
    session_id = start_session(db, ctx, ada, POLICY, user_agent="Firefox", ip_address="192.0.2.1")
    assert len(session_id) == 43
    assert session_user(db, session_id, POLICY, ctx.now()) is ada
    row = db.scalars(select(UserSession)).one()
    assert session_id not in row.id_hash and row.user_agent == "Firefox"
    assert session_user(db, session_id + "x", POLICY, ctx.now()) is None


def test_signing_out_ends_the_session_for_every_copy_of_it(
    db: Session, ctx: ServiceContext
) -> None:
    ada = person(db, ctx, "ada")
    kept = start_session(db, ctx, ada, POLICY)
    ended = start_session(db, ctx, ada, POLICY)
    end_session(db, ended)
    assert session_user(db, ended, POLICY, ctx.now()) is None
    assert session_user(db, kept, POLICY, ctx.now()) is ada  # other devices stay signed in


def test_a_password_change_ends_existing_sessions(db: Session, ctx: ServiceContext) -> None:
    ada = person(db, ctx, "ada")
    session_id = start_session(db, ctx, ada, POLICY)
    assert session_user(db, session_id, POLICY, ctx.now()) is ada
    passwords.change_password(db, ctx, ada, current=PASSWORD, new="a brand new password")
    assert session_user(db, session_id, POLICY, ctx.now()) is None


def test_an_unused_session_ends_after_the_idle_time(
    db: Session, ctx: ServiceContext, clock: Clock
) -> None:
    ada = person(db, ctx, "ada")
    session_id = start_session(db, ctx, ada, POLICY)
    clock.now += timedelta(hours=23)
    assert session_user(db, session_id, POLICY, clock.now) is ada  # used: pushed on
    clock.now += timedelta(hours=23)
    assert session_user(db, session_id, POLICY, clock.now) is ada
    clock.now += timedelta(hours=24)
    assert session_user(db, session_id, POLICY, clock.now) is None
    assert db.scalar(select(func.count()).select_from(UserSession)) == 0  # and deleted


def test_use_is_written_back_at_most_every_few_minutes(
    db: Session, ctx: ServiceContext, clock: Clock
) -> None:
    ada = person(db, ctx, "ada")
    session_id = start_session(db, ctx, ada, POLICY)
    clock.now += TOUCH_GRANULARITY / 2
    session_user(db, session_id, POLICY, clock.now)
    row = db.scalars(select(UserSession)).one()
    assert row.last_seen_at == START
    clock.now += TOUCH_GRANULARITY
    session_user(db, session_id, POLICY, clock.now)
    assert row.last_seen_at == clock.now


def test_even_a_busy_session_ends_after_its_lifetime(
    db: Session, ctx: ServiceContext, clock: Clock
) -> None:
    ada = person(db, ctx, "ada")
    session_id = start_session(db, ctx, ada, POLICY)
    for _ in range(13 * 2):
        clock.now += timedelta(hours=12)
        assert session_user(db, session_id, POLICY, clock.now) is ada
    clock.now += timedelta(hours=24)
    assert session_user(db, session_id, POLICY, clock.now) is None


def test_a_shorter_policy_applies_to_sessions_started_under_a_longer_one(
    db: Session, ctx: ServiceContext, clock: Clock
) -> None:
    ada = person(db, ctx, "ada")
    session_id = start_session(db, ctx, ada, POLICY)
    clock.now += timedelta(hours=2)
    assert session_user(db, session_id, replace(POLICY, idle=timedelta(hours=1)), clock.now) is None


def test_lapsed_sessions_are_deleted_when_others_start(
    db: Session, ctx: ServiceContext, clock: Clock
) -> None:
    ada = person(db, ctx, "ada")
    for _ in range(3):
        start_session(db, ctx, ada, POLICY)
    clock.now += timedelta(days=2)
    start_session(db, ctx, ada, POLICY)
    assert db.scalar(select(func.count()).select_from(UserSession)) == 1
