"""The server's delivery loop: queued claim e-mails become .eml files without an operator."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from credstack.app import create_app
from credstack.services.context import ServiceContext
from credstack.services.operations.database import upgrade_database
from credstack.services.operations.demo import seed_demo
from credstack.services.operations.demo_catalogue import LEARNERS
from credstack.settings import load_settings
from credstack.store.engine import create_database_engine, session_factory
from credstack.store.models import OutboxEmail
from credstack.workers.mail_delivery import MailDelivery, deliver_once


def _seeded(tmp_path: Path) -> tuple[Engine, ServiceContext]:
    """A file SQLite database (the loop uses its own sessions, as under `serve`)."""
    settings = load_settings(home=tmp_path / "home", base_url="http://127.0.0.1:8123")
    upgrade_database(settings)
    engine = create_database_engine(settings.effective_database_url)
    ctx = ServiceContext.from_settings(settings)
    with session_factory(engine)() as session:
        seed_demo(session, ctx)
        session.commit()
    return engine, ctx


def _recipients(outbox: Path) -> set[str]:
    found = set()
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        found.add(str(message["To"]))
    return found


def test_deliver_once_writes_every_queued_email_then_has_nothing_to_do(tmp_path: Path) -> None:
    engine, ctx = _seeded(tmp_path)
    try:
        report = deliver_once(engine, ctx)

        assert report is not None
        with session_factory(engine)() as session:
            queued = session.scalars(select(OutboxEmail)).all()
        assert report.written == len(queued) > 0
        assert all(row.sent_at is not None for row in queued)
        assert {learner.email for learner in LEARNERS} <= _recipients(ctx.outbox_dir)
        assert deliver_once(engine, ctx) is None
    finally:
        engine.dispose()


def test_the_loop_delivers_in_the_background_and_stops(tmp_path: Path) -> None:
    engine, ctx = _seeded(tmp_path)
    loop = MailDelivery(engine, ctx, interval=0.1)
    try:
        loop.start()
        assert loop.running
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not ctx.outbox_dir.exists():
            time.sleep(0.1)
        while time.monotonic() < deadline and len(_recipients(ctx.outbox_dir)) < len(LEARNERS):
            time.sleep(0.1)
        assert {learner.email for learner in LEARNERS} <= _recipients(ctx.outbox_dir)
    finally:
        loop.stop()
        engine.dispose()
    assert not loop.running


def test_an_app_built_for_serving_delivers_mail_from_start_to_shutdown(tmp_path: Path) -> None:
    """``credstack serve`` builds the app with ``background=True``; the loop runs with it."""
    engine, ctx = _seeded(tmp_path)
    settings = load_settings(home=tmp_path / "home", base_url="http://127.0.0.1:8123")
    app = create_app(settings, engine, background=True)
    try:
        with TestClient(app):
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and len(_recipients(ctx.outbox_dir)) < len(LEARNERS):
                time.sleep(0.1)
        assert {learner.email for learner in LEARNERS} <= _recipients(ctx.outbox_dir)
        assert not [t for t in threading.enumerate() if t.name == "credstack-mail"]
    finally:
        engine.dispose()
