"""One bad message never stops the others: isolated, retried with backoff, then given up.

Issue 9, finding 4: a row already stored with a CRLF and a ``Bcc:`` in its address (the
API accepted it once) made every later delivery round fail. The rows here are inserted
directly, as such a row would be; the SMTP server is a real aiosmtpd on loopback.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import test_mail
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_mail import Recorder, award_with_email, free_port

from credstack.core.email_address import address_problem
from credstack.services.context import ServiceContext
from credstack.services.mail.outbox import (
    MAX_ATTEMPTS,
    backoff,
    deliver_pending,
)
from credstack.store.models import OutboxEmail
from issued_awards import make_context

#: fixtures
smtp_server = test_mail.smtp_server

INJECTED = "victim@example.org\r\nBcc: everyone@attacker.example"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _queued(db: Session, address: str) -> OutboxEmail:
    email = OutboxEmail(
        to_address=address, subject="Your credential", text_body="Hello\n", created_at=NOW
    )
    db.add(email)
    db.flush()
    return email


def _at(ctx: ServiceContext, moment: datetime) -> ServiceContext:
    return dataclasses.replace(ctx, clock=lambda: moment)


def test_a_stored_address_with_a_line_break_is_given_up_and_the_rest_written(
    db: Session, tmp_path: Path
) -> None:
    ctx = make_context(tmp_path / "home")
    before = award_with_email(db, ctx, "ada@example.org")
    bad = _queued(db, INJECTED)
    listed = _queued(db, "a@b.example, c@d.example")
    after = award_with_email(db, ctx, "grace@example.org")

    report = deliver_pending(db, ctx)

    assert (report.written, report.failed, report.given_up) == (2, 2, 2)
    for refused in (bad, listed):
        assert refused.sent_at is None and refused.gave_up_at is not None
        assert refused.attempts == 1 and refused.next_attempt_at is None
    assert "line break" in (bad.last_error or "")
    assert "give one address, not a list" in (listed.last_error or "")
    sent = db.scalars(select(OutboxEmail).where(OutboxEmail.award_id.in_([before.id, after.id])))
    assert all(email.sent_at is not None for email in sent)
    files = sorted((ctx.home / "outbox").glob("*.eml"))
    assert len(files) == 2
    assert not any(b"attacker" in path.read_bytes() for path in files)
    again = deliver_pending(db, ctx)
    assert (again.written, again.failed) == (0, 0)  # given up: not tried again


def test_over_smtp_the_injected_address_never_reaches_the_server(
    db: Session, tmp_path: Path, smtp_server: tuple[Recorder, int]
) -> None:
    recorder, port = smtp_server
    ctx = make_context(tmp_path / "home")
    _queued(db, INJECTED)
    award_with_email(db, ctx, "grace@example.org")
    over_smtp = dataclasses.replace(ctx, smtp_url=f"smtp://127.0.0.1:{port}")

    report = deliver_pending(db, over_smtp)

    assert (report.sent, report.failed, report.given_up) == (1, 1, 1)
    assert [recipients for _sender, recipients in recorder.envelopes] == [["grace@example.org"]]


def test_a_server_that_is_down_is_retried_after_a_growing_wait_then_given_up(
    db: Session, tmp_path: Path
) -> None:
    """The delivery loop (``due_only``) leaves a failed message alone until its backoff."""
    ctx = make_context(tmp_path / "home")
    email = _queued(db, "ada@example.org")
    down = dataclasses.replace(ctx, smtp_url=f"smtp://127.0.0.1:{free_port()}?timeout=3")
    moment = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert deliver_pending(db, _at(down, moment), due_only=True).failed == 1
        assert email.attempts == attempt and email.sent_at is None
        if attempt == MAX_ATTEMPTS:
            break
        assert email.next_attempt_at == moment + backoff(attempt)
        early = moment + backoff(attempt) - timedelta(seconds=1)
        assert deliver_pending(db, _at(down, early), due_only=True).failed == 0  # still waiting
        moment = moment + backoff(attempt)
    assert email.gave_up_at is not None and email.next_attempt_at is None
    assert deliver_pending(db, _at(ctx, moment + timedelta(days=1))).written == 0
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert backoff(30) == timedelta(hours=6)


def test_an_operator_send_does_not_wait_for_the_backoff(db: Session, tmp_path: Path) -> None:
    ctx = make_context(tmp_path / "home")
    email = _queued(db, "ada@example.org")
    down = dataclasses.replace(ctx, smtp_url=f"smtp://127.0.0.1:{free_port()}?timeout=3")
    assert deliver_pending(db, _at(down, NOW)).failed == 1
    assert deliver_pending(db, _at(ctx, NOW)).written == 1  # `outbox send` right after
    assert email.sent_at is not None and email.next_attempt_at is None


def test_delivery_commits_around_each_batch_not_while_sending(db: Session, tmp_path: Path) -> None:
    """``checkpoint`` runs before a batch goes out and after it is recorded."""
    ctx = make_context(tmp_path / "home")
    for number in range(3):
        _queued(db, f"learner{number}@example.org")
    moments: list[int] = []

    def checkpoint() -> None:
        moments.append(len(list((ctx.home / "outbox").glob("*.eml"))))
        db.commit()

    report = deliver_pending(db, ctx, checkpoint=checkpoint)

    assert report.written == 3
    assert moments == [0, 3]  # before sending (nothing written yet), after recording


def test_the_delivery_rule_for_addresses() -> None:
    assert address_problem("ada@example.org") is None
    assert address_problem("Ada.Lovelace+badges@uni.example.eu") is None
    for address in (INJECTED, "a@b.example\n", "a@b.example, c@d.example", "Ada <a@b.example>",
                    "no-at-sign", "@example.org", "ada@", "ada lovelace@example.org"):  # fmt: skip
        assert address_problem(address) is not None, address
