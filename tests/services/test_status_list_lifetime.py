"""Status lists lapse (``validUntil``) and are re-signed before they do (issue 9, finding 7).

Without a ``validUntil``, a list saved before a revocation made the revoked credential
verify offline for ever. Runs on SQLite and PostgreSQL through ``db``.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from credstack.core.errors import FetchError
from credstack.core.report import CheckStatus
from credstack.core.timestamps import parse_datetime
from credstack.core.verify import VerifyOptions, verify
from credstack.services.context import ServiceContext
from credstack.services.revocation.revoke import revoke
from credstack.services.status.lists import publish, refresh_lapsing
from credstack.settings import Settings, load_settings
from credstack.store.engine import create_database_engine, session_factory
from credstack.store.migrate import upgrade_to_head
from credstack.store.models import Award, StatusList
from credstack.workers.periodic import PeriodicTask
from credstack.workers.status_lists import refresh_interval, refresh_once
from issued_awards import START, issue, make_context, new_achievement, new_issuer

DAY = timedelta(days=1)


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return make_context(tmp_path)


def at(ctx: ServiceContext, moment: datetime) -> ServiceContext:
    moved: ServiceContext = replace(ctx, clock=lambda: moment)
    return moved


def status_check(credential: str, saved: str, now: datetime) -> tuple[CheckStatus, str]:
    """Verify ``credential`` at ``now`` with ``saved`` as the only copy of its list."""
    url = json.loads(saved)["id"]

    def fetch(wanted: str) -> bytes:
        if wanted != url:
            raise FetchError(f"{wanted}: not served in this test")
        return saved.encode("utf-8")

    report = verify(credential, input_name="t", options=VerifyOptions(now=now, fetch=fetch))
    check = next(c for c in report.checks if c.id == "status")
    return check.status, check.message


def issued(db: Session, ctx: ServiceContext) -> Award:
    org = new_issuer(db, ctx)
    award: Award = issue(db, ctx, org, new_achievement(db, org))
    assert award.status_list_id is not None
    return award


def test_a_published_list_carries_valid_until_and_ttl(db: Session, ctx: ServiceContext) -> None:
    award = issued(db, ctx)
    document = json.loads(publish(db, at(ctx, START), award.status_list_id or ""))
    valid_from = parse_datetime(document["validFrom"])
    valid_until = parse_datetime(document["validUntil"])
    assert valid_from is not None and valid_until is not None
    assert valid_until - valid_from == DAY
    assert document["credentialSubject"]["ttl"] == 300_000  # milliseconds, as the spec says


def test_a_list_saved_before_a_revocation_stops_verifying_after_valid_until(
    db: Session, ctx: ServiceContext
) -> None:
    award = issued(db, ctx)
    saved = publish(db, at(ctx, START), award.status_list_id or "")
    revoke(db, ctx, award.id, reason="issued in error")
    assert status_check(award.credential, saved, START + timedelta(hours=23))[0] is (
        CheckStatus.PASS  # the old copy still counts while it is valid (the ttl bounds that)
    )
    status, message = status_check(award.credential, saved, START + DAY + timedelta(minutes=1))
    assert status is CheckStatus.FAIL
    assert "status list credential expired at" in message
    # a fresh fetch is signed now, and shows the revocation
    fresh = publish(db, at(ctx, START + DAY), award.status_list_id or "")
    status, message = status_check(award.credential, fresh, START + DAY + timedelta(minutes=1))
    assert (status, "revoked by the issuer" in message) == (CheckStatus.FAIL, True)


def test_a_fresh_fetch_re_signs_a_list_past_half_its_validity(
    db: Session, ctx: ServiceContext
) -> None:
    award = issued(db, ctx)
    list_id = award.status_list_id or ""
    first = publish(db, at(ctx, START), list_id)
    # before half its validity: the cached copy, byte for byte (no signing on every read)
    assert publish(db, at(ctx, START + timedelta(hours=11)), list_id) == first
    later = START + timedelta(hours=13)
    second = publish(db, at(ctx, later), list_id)
    assert second != first
    assert parse_datetime(json.loads(second)["validUntil"]) == later + DAY
    stored = db.get(StatusList, list_id)
    assert stored is not None and stored.published_credential == second
    status, _ = status_check(award.credential, second, START + DAY + timedelta(hours=1))
    assert status is CheckStatus.PASS


def test_a_list_cached_without_valid_until_is_re_signed(db: Session, ctx: ServiceContext) -> None:
    award = issued(db, ctx)
    list_id = award.status_list_id or ""
    publish(db, at(ctx, START), list_id)
    stored = db.get(StatusList, list_id)
    assert stored is not None and stored.published_credential is not None
    old = json.loads(stored.published_credential)
    del old["validUntil"]  # as an older Credstack cached it
    stored.published_credential = json.dumps(old)
    db.flush()
    again = json.loads(publish(db, at(ctx, START + timedelta(minutes=1)), list_id))
    assert "validUntil" in again


def test_the_periodic_step_re_signs_only_lists_past_half_their_validity(
    db: Session, ctx: ServiceContext
) -> None:
    beta = new_issuer(db, ctx, "beta")
    one, two = issued(db, ctx), issue(db, ctx, beta, new_achievement(db, beta))
    publish(db, at(ctx, START), one.status_list_id or "")
    publish(db, at(ctx, START + timedelta(hours=6)), two.status_list_id or "")
    assert refresh_lapsing(db, at(ctx, START + timedelta(hours=11))) == 0
    assert refresh_lapsing(db, at(ctx, START + timedelta(hours=13))) == 1
    assert refresh_lapsing(db, at(ctx, START + timedelta(hours=19))) == 1  # now the second
    assert refresh_lapsing(db, at(ctx, START + timedelta(hours=19))) == 0


def test_serve_refreshes_lists_in_the_background(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'refresh.db'}")
    upgrade_to_head(engine)
    ctx = make_context(tmp_path)
    try:
        with session_factory(engine)() as session:
            award = issued(session, ctx)
            list_id = award.status_list_id or ""
            first = publish(session, at(ctx, START), list_id)
            session.commit()
        clock = START + timedelta(hours=13)
        rounds = threading.Event()

        def step() -> None:
            refresh_once(engine, at(ctx, clock))
            rounds.set()

        task = PeriodicTask("test-refresh", step, 0.05, logging.getLogger("test"))
        task.start()
        assert rounds.wait(10)
        task.stop()
        assert not task.running
        with session_factory(engine)() as session:
            stored = session.get(StatusList, list_id)
            assert stored is not None and stored.published_credential not in (None, first)
    finally:
        engine.dispose()
    assert refresh_interval(ctx) == 15 * 60
    assert refresh_interval(replace(ctx, status_list_validity=timedelta(hours=1))) == 450


def test_a_failing_round_does_not_end_the_loop(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []
    done = threading.Event()

    def step() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database away")
        done.set()

    task = PeriodicTask("test-failing", step, 0.01, logging.getLogger("test.periodic"))
    with caplog.at_level(logging.ERROR, logger="test.periodic"):
        task.start()
        assert done.wait(10)
        task.stop()
    assert len(calls) >= 2
    assert "test-failing failed" in caplog.text


def test_the_lifetime_is_configurable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Settings
) -> None:
    monkeypatch.setenv("CREDSTACK_STATUS_LIST_VALIDITY_SECONDS", "7200")
    monkeypatch.setenv("CREDSTACK_STATUS_LIST_TTL_SECONDS", "60")
    loaded = load_settings(home=tmp_path, secret_key="x")
    ctx = ServiceContext.from_settings(loaded)
    assert (ctx.status_list_validity, ctx.status_list_ttl) == (
        timedelta(hours=2),
        timedelta(minutes=1),
    )
    monkeypatch.setenv("CREDSTACK_STATUS_LIST_TTL_SECONDS", "3601")
    with pytest.raises(Exception, match="at most half of CREDSTACK_STATUS_LIST_VALIDITY"):
        load_settings(home=tmp_path, secret_key="x")


def test_the_status_route_caches_for_the_ttl(db: Session, settings: Settings, app: FastAPI) -> None:
    award = issued(db, ServiceContext.from_settings(settings))
    db.commit()
    with TestClient(app) as client:
        response = client.get(f"/status/{award.status_list_id}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.json()["credentialSubject"]["ttl"] == 300 * 1000
