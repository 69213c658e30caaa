"""Claim e-mails: queued with the award, delivered to a REAL local SMTP server or to .eml files.

The SMTP server is aiosmtpd on 127.0.0.1 (a free port), so ``smtplib`` really talks
SMTP; the refused-connection case uses a port nothing listens on.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session

from credstack.core.errors import ConfigurationError
from credstack.services.context import ServiceContext
from credstack.services.learners.claims import find_claim, queue_claim_email, queue_claim_emails
from credstack.services.mail.outbox import deliver_pending, outbox_file, queue_notice
from credstack.services.mail.smtp_url import parse_smtp_url
from credstack.store.models import Award, OutboxEmail
from issued_awards import issue, make_context, new_achievement, new_issuer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Recorder:
    """An aiosmtpd handler keeping every message; refuses recipients listed in ``refuse``."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return make_context(tmp_path / "home")


def award_with_email(db: Session, ctx: ServiceContext, email: str = "ada@example.org") -> Award:
    org = new_issuer(db, ctx, slug="uni-" + email.split("@")[0])
    achievement = new_achievement(db, org)
    award = issue(db, ctx, org, achievement, email=email)
    queue_claim_email(db, ctx, award)
    return award


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_claim_email_reaches_a_real_smtp_server(
    db: Session, ctx: ServiceContext, smtp_server: tuple[Recorder, int]
) -> None:
    recorder, port = smtp_server
    award = award_with_email(db, ctx)
    link = queue_claim_email(db, ctx, award)  # a second e-mail: the newest link works
    smtp_ctx = dataclasses.replace(ctx, smtp_url=f"smtp://127.0.0.1:{port}?from=badges@uni.example")

    report = deliver_pending(db, smtp_ctx)

    assert (report.sent, report.written, report.failed) == (2, 0, 0)
    assert report.destination == f"127.0.0.1:{port}"
    newest = recorder.messages[-1]
    assert newest["To"] == "ada@example.org"
    assert newest["From"] == "badges@uni.example"
    assert "Data literacy" in newest["Subject"]
    body = text_of(newest)
    assert link.url in body
    assert ctx.url(f"/credentials/{award.id}") in body
    assert f"{link.expires_at:%d %B %Y}" in body
    assert recorder.envelopes[-1] == ("badges@uni.example", ["ada@example.org"])
    rows = db.scalars(select(OutboxEmail).where(OutboxEmail.award_id == award.id)).all()
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
    assert deliver_pending(db, smtp_ctx).sent == 0  # nothing is sent twice


def test_without_smtp_each_email_is_an_eml_file_in_the_outbox_folder(
    db: Session, ctx: ServiceContext
) -> None:
    award = award_with_email(db, ctx)

    report = deliver_pending(db, ctx)

    assert (report.sent, report.written, report.failed) == (0, 1, 0)
    assert report.destination == str(ctx.home / "outbox")
    (email,) = db.scalars(select(OutboxEmail).where(OutboxEmail.award_id == award.id)).all()
    path = outbox_file(ctx, email)
    assert path.parent == ctx.home / "outbox"
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["To"] == "ada@example.org"
    assert ctx.url("/claim/") in text_of(parsed)
    html_part = parsed.get_body(preferencelist=("html",))
    assert html_part is not None and "<a href=" in str(html_part.get_content())
    assert email.sent_at is not None
    assert deliver_pending(db, ctx).written == 0


def test_a_refused_connection_is_recorded_on_every_message_and_retried_later(
    db: Session, ctx: ServiceContext, smtp_server: tuple[Recorder, int]
) -> None:
    award_with_email(db, ctx, "ada@example.org")
    award_with_email(db, ctx, "grace@example.org")
    closed_port = free_port()
    down = dataclasses.replace(ctx, smtp_url=f"smtp://127.0.0.1:{closed_port}?timeout=3")

    report = deliver_pending(db, down)

    assert (report.sent, report.failed) == (0, 2)
    rows = db.scalars(select(OutboxEmail)).all()
    assert all(row.sent_at is None and row.attempts == 1 for row in rows)
    assert all(f"127.0.0.1:{closed_port}" in (row.last_error or "") for row in rows)

    recorder, port = smtp_server
    again = deliver_pending(db, dataclasses.replace(ctx, smtp_url=f"smtp://127.0.0.1:{port}"))
    assert (again.sent, again.failed) == (2, 0)
    assert {row.attempts for row in rows} == {2} and all(row.last_error is None for row in rows)
    assert sorted(str(m["To"]) for m in recorder.messages) == [
        "ada@example.org",
        "grace@example.org",
    ]


def test_one_refused_recipient_does_not_stop_the_others(
    db: Session, ctx: ServiceContext, smtp_server: tuple[Recorder, int]
) -> None:
    recorder, port = smtp_server
    recorder.refuse.add("gone@example.org")
    award_with_email(db, ctx, "gone@example.org")
    award_with_email(db, ctx, "grace@example.org")

    report = deliver_pending(db, dataclasses.replace(ctx, smtp_url=f"smtp://127.0.0.1:{port}"))

    assert (report.sent, report.failed) == (1, 1)
    refused = db.scalars(
        select(OutboxEmail).where(OutboxEmail.to_address == "gone@example.org")
    ).one()
    assert refused.sent_at is None and "550" in (refused.last_error or "")
    assert [str(m["To"]) for m in recorder.messages] == ["grace@example.org"]


def test_names_are_escaped_in_the_html_body(db: Session, ctx: ServiceContext) -> None:
    org = new_issuer(db, ctx, slug="tricky")
    achievement = new_achievement(db, org)
    achievement.name = 'R&D <script>alert("x")</script>'
    award = issue(db, ctx, org, achievement, name="Bobby <b>Tables</b>")

    queue_claim_email(db, ctx, award)

    email = db.scalars(select(OutboxEmail).where(OutboxEmail.award_id == award.id)).one()
    assert email.html_body is not None
    assert "<script>" not in email.html_body and "<b>" not in email.html_body
    assert "R&amp;D &lt;script&gt;" in email.html_body
    assert "Bobby &lt;b&gt;Tables&lt;/b&gt;" in email.html_body
    assert "Bobby <b>Tables</b>" in email.text_body  # plain text stays as written


def test_a_notice_carries_its_link(db: Session, ctx: ServiceContext) -> None:
    queue_notice(
        db,
        ctx,
        to_address="ada@example.org",
        subject="Your credential was corrected",
        paragraphs=["Your credential was corrected; the new one is at:"],
        link="http://127.0.0.1:8000/credentials/new?x=1&y=2",
    )
    report = deliver_pending(db, ctx)
    assert report.written == 1
    (path,) = (ctx.home / "outbox").iterdir()
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert "credentials/new?x=1&y=2" in text_of(parsed)
    html_part = parsed.get_body(preferencelist=("html",))
    assert html_part is not None and "x=1&amp;y=2" in str(html_part.get_content())


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, False, False, None, None)),
        (
            "smtp://user:p%40ss@mail.example.org:2525?starttls=1",
            ("mail.example.org", 2525, False, True, "user", "p@ss"),
        ),
        (
            "smtp+starttls://u:p@mail.example.org",
            ("mail.example.org", 587, False, True, "u", "p"),
        ),
        ("smtps://u:p@mail.example.org", ("mail.example.org", 465, True, False, "u", "p")),
    ],
)
def test_smtp_url_forms(url: str, expected: tuple[object, ...]) -> None:
    smtp = parse_smtp_url(url)
    assert (
        smtp.host,
        smtp.port,
        smtp.implicit_tls,
        smtp.starttls,
        smtp.username,
        smtp.password,
    ) == expected


def test_a_wrong_smtp_scheme_names_the_accepted_forms() -> None:
    with pytest.raises(ConfigurationError, match="smtps://"):
        parse_smtp_url("http://mail.example.org")


def test_a_batch_queues_one_email_and_one_working_link_per_award(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx, slug="batch")
    achievement = new_achievement(db, org)
    awards = [
        issue(db, ctx, org, achievement, email=f"learner{n}@example.org", name="Zoë Ørsted")
        for n in range(3)
    ]

    links = queue_claim_emails(db, ctx, awards)

    assert len({link.token for link in links}) == 3
    for award, link in zip(awards, links, strict=True):
        assert find_claim(db, link.token, ctx.now()).id == award.id
        assert award.claim_expires_at == link.expires_at  # the objects see the new values
    report = deliver_pending(db, ctx)
    assert report.written == 3
    for path in sorted((ctx.home / "outbox").iterdir()):
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        assert "Zoë Ørsted" in text_of(parsed)  # UTF-8 survives the quoted-printable body
        assert str(parsed["Subject"]).startswith("Your credential from Issuer batch")


LEGACY_ROWS = ["ada@example.org\r\nBcc: eve@evil.example", "a@b.example, c@d.example"]


def legacy_rows(db: Session, ctx: ServiceContext) -> list[OutboxEmail]:
    """Rows queued by a version that took any address, before a good one."""
    bad = [
        queue_notice(db, ctx, to_address=to, subject="Hi", paragraphs=["x"]) for to in LEGACY_ROWS
    ]
    award_with_email(db, ctx, "grace@example.org")
    return bad


def test_a_bad_stored_recipient_is_never_sent_and_does_not_stop_the_others(
    db: Session, ctx: ServiceContext, smtp_server: tuple[Recorder, int]
) -> None:
    recorder, port = smtp_server
    bad = legacy_rows(db, ctx)

    report = deliver_pending(db, dataclasses.replace(ctx, smtp_url=f"smtp://127.0.0.1:{port}"))

    assert (report.sent, report.failed) == (1, 2)
    assert [recipients for _, recipients in recorder.envelopes] == [["grace@example.org"]]
    assert [str(m["To"]) for m in recorder.messages] == ["grace@example.org"]
    assert all(row.sent_at is None and row.attempts == 1 for row in bad)
    assert "not sent: the recipient" in (bad[0].last_error or "")
    assert "control character" in (bad[0].last_error or "")
    assert "not a list" in (bad[1].last_error or "")


def test_a_bad_stored_recipient_is_not_written_to_the_outbox_folder(
    db: Session, ctx: ServiceContext
) -> None:
    bad = legacy_rows(db, ctx)

    report = deliver_pending(db, ctx)

    assert (report.written, report.failed) == (1, 2)
    assert not any(outbox_file(ctx, row).exists() for row in bad)
    (written,) = (ctx.home / "outbox").iterdir()
    assert "To: grace@example.org" in written.read_text(encoding="utf-8")
    assert all(row.sent_at is None and "not sent" in (row.last_error or "") for row in bad)
