"""E-mail: queue the messages other services write, with the work that causes them; deliver later.

Queuing writes an :class:`OutboxEmail` row in the caller's transaction, so an award
and its claim e-mail commit (or roll back) together and a down mail server never loses
an award. :func:`deliver_pending` then sends what is queued: over SMTP when
``CREDSTACK_SMTP_URL`` is set (see :mod:`credstack.services.mail.smtp_url`), otherwise as
RFC 5322 ``.eml`` files in the outbox folder, so a deployment without mail still shows
exactly what would have been sent.

One message never stops the others: each one that fails records its error and attempt
count and is tried again after a growing wait (:func:`backoff`), at most
:data:`MAX_ATTEMPTS` times; one that no retry can fix (an address that is not one, a
permanent SMTP refusal) is given up at once. Delivery goes batch by batch, and an edge
that passes ``checkpoint`` commits before each batch is sent and after it is recorded,
so no transaction (no SQLite write lock) is held while talking to a mail server.
"""

from __future__ import annotations

import hashlib
import html
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.charset import QP, Charset
from email.errors import MessageError
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from credstack.core.email_address import address_problem
from credstack.core.errors import ConfigurationError
from credstack.services.context import ServiceContext
from credstack.services.mail.smtp_url import SmtpSettings, parse_smtp_url
from credstack.store.models import OutboxEmail

#: UTF-8 bodies as quoted-printable: 7-bit safe for any server, still readable in a .eml
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP

#: longest error text kept per message (enough for any SMTP reply)
_MAX_ERROR_LENGTH = 1000
#: a message that keeps failing is given up after this many attempts
MAX_ATTEMPTS = 8
#: the wait after the first failure; it doubles with each further one, up to the cap
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
#: messages sent per batch: one read, then sending, then one short write
DELIVERY_BATCH = 50


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery run did; ``destination`` is the SMTP host or the outbox folder."""

    sent: int
    written: int
    failed: int
    destination: str
    #: True when delivered over SMTP, False when written as .eml files
    over_smtp: bool
    #: of the failed, those given up (never tried again)
    given_up: int = 0


class _Failure(Exception):
    """One message could not go out; ``permanent``: no retry can change that."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class Link:
    """A URL on a line of its own: as is in the text part, a link in the HTML part."""

    url: str


#: one paragraph of a message: plain text (escaped for HTML) or a link
Block = str | Link


@dataclass(frozen=True)
class MailMessage:
    """An e-mail to queue, as its author wrote it: who to, the subject, its paragraphs.

    The services that have something to say (claims, corrections) write the words; this
    module only turns them into the stored text and HTML parts, queues and delivers them.
    """

    to_address: str
    subject: str
    blocks: Sequence[Block]
    award_id: str | None = None

    def columns(self, ctx: ServiceContext) -> dict[str, Any]:
        """The :class:`OutboxEmail` columns of this message, queued now."""
        return {
            "to_address": self.to_address,
            "subject": self.subject,
            "text_body": "\n\n".join(_text(block) for block in self.blocks) + "\n",
            "html_body": _html([_html_block(block) for block in self.blocks]),
            "award_id": self.award_id,
            "created_at": ctx.now(),
        }


def queue(session: Session, ctx: ServiceContext, message: MailMessage) -> OutboxEmail:
    """Queue one message in the caller's transaction (added, not flushed: fast in a loop)."""
    email = OutboxEmail(**message.columns(ctx))
    session.add(email)
    return email


def queue_many(session: Session, ctx: ServiceContext, messages: Sequence[MailMessage]) -> None:
    """Queue a whole batch with one INSERT (bulk issuing's claim e-mails)."""
    if messages:
        session.execute(insert(OutboxEmail), [message.columns(ctx) for message in messages])


def queue_notice(
    session: Session,
    ctx: ServiceContext,
    *,
    to_address: str,
    subject: str,
    paragraphs: Sequence[str],
    link: str | None = None,
    award_id: str | None = None,
) -> OutboxEmail:
    """Queue any other notice, e.g. "your credential was corrected; the new one is at …".

    ``paragraphs`` are plain text (escaped for the HTML part); ``link`` follows them.
    """
    blocks: list[Block] = [*paragraphs, *([Link(link)] if link else [])]
    email = queue(session, ctx, MailMessage(to_address, subject, blocks, award_id))
    session.flush()
    return email


def _text(block: Block) -> str:
    return block.url if isinstance(block, Link) else block


def _html_block(block: Block) -> str:
    return _p_link(block.url) if isinstance(block, Link) else _p(block)


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _p_link(url: str) -> str:
    escaped = html.escape(url, quote=True)
    return f'<p><a href="{escaped}">{escaped}</a></p>'


def _html(blocks: Sequence[str]) -> str:
    body = "\n".join(blocks)
    return (
        f'<!doctype html>\n<html><body style="font-family: sans-serif">\n{body}\n</body></html>\n'
    )


def pending(
    session: Session,
    limit: int | None = None,
    *,
    due_at: datetime | None = None,
    after_id: int = 0,
) -> Sequence[OutboxEmail]:
    """Unsent e-mails not given up, oldest first (``due_at``: only those due by then)."""
    query = select(OutboxEmail).where(
        OutboxEmail.sent_at.is_(None), OutboxEmail.gave_up_at.is_(None), OutboxEmail.id > after_id
    )
    if due_at is not None:
        query = query.where(
            or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= due_at)
        )
    query = query.order_by(OutboxEmail.id)
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query).all()


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 1 min, 2, 4, … up to 6 h."""
    return min(BACKOFF_FIRST * (1 << max(attempts - 1, 0)), BACKOFF_CAP)


def list_outbox(session: Session, *, limit: int = 100) -> Sequence[OutboxEmail]:
    """The newest queued and sent e-mails (for ``credstack outbox list``)."""
    query = select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit)
    return session.scalars(query).all()


def default_sender(ctx: ServiceContext) -> str:
    """``no-reply@<host of the base URL>`` (``localhost`` for IP addresses)."""
    host = urlsplit(ctx.base_url).hostname or "localhost"
    if host.replace(".", "").isdigit() or ":" in host:
        host = "localhost"
    return f"no-reply@{host}"


def build_message(email: OutboxEmail, *, sender: str) -> Message:
    """The RFC 5322 message for a queued e-mail (plain text, with an HTML alternative).

    Built with the classic ``email.mime`` classes: the modern header registry parses
    every header it is given and is ~10x slower, which shows when an outbox holds
    100,000 claim e-mails.
    """
    text_part = _text_part(email.text_body, "plain")
    message: Message
    if email.html_body:
        # A boundary derived from the content cannot occur in it, and saves the
        # generator a regex compile per message.
        digest = hashlib.sha256((email.text_body + email.html_body).encode("utf-8")).hexdigest()
        message = MIMEMultipart("alternative", boundary=f"=_credstack_{digest[:40]}")
        message.attach(text_part)
        message.attach(_text_part(email.html_body, "html"))
    else:
        message = text_part
    message["From"] = sender
    message["To"] = _header(email.to_address)
    message["Subject"] = _header(email.subject)
    message["Date"] = format_datetime(email.created_at)
    message["Message-ID"] = make_msgid(
        idstring=f"outbox-{email.id}", domain=sender.rpartition("@")[2] or None
    )
    return message


def _text_part(body: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype)
    part.set_payload(body, _UTF8_QP)
    return part


def _header(value: str) -> str:
    """ASCII as is; anything else RFC 2047-encoded (names with accents, curly quotes)."""
    return value if value.isascii() else Header(value, "utf-8").encode()


def deliver_pending(
    session: Session,
    ctx: ServiceContext,
    limit: int | None = None,
    *,
    due_only: bool = False,
    checkpoint: Callable[[], None] | None = None,
) -> DeliveryReport:
    """Send (SMTP) or write (outbox folder) the unsent e-mails; record what happened.

    Each message is tried at most once per call, oldest first, :data:`DELIVERY_BATCH` at
    a time. ``due_only`` skips messages still waiting out their backoff (the delivery
    loop); without it every message not given up is tried now (an operator's
    ``outbox send``). ``checkpoint`` (the edge's commit) runs before each batch is sent
    and after it is recorded, so nothing is locked while a mail server is slow.
    """
    smtp = parse_smtp_url(ctx.smtp_url) if ctx.smtp_url else None
    if smtp is None:
        _outbox_folder(ctx)  # a folder that cannot be made is the deployment's problem
    sent = failed = given_up = 0
    last_id = 0
    while limit is None or sent + failed < limit:
        size = DELIVERY_BATCH if limit is None else min(DELIVERY_BATCH, limit - sent - failed)
        due_at = ctx.now() if due_only else None
        emails = pending(session, size, due_at=due_at, after_id=last_id)
        if not emails:
            break
        last_id = emails[-1].id
        if checkpoint is not None:
            checkpoint()
        outcomes = _send_all(emails, smtp, ctx) if smtp else _write_all(emails, ctx)
        for email, failure in zip(emails, outcomes, strict=True):
            if failure is None:
                sent += 1
                _delivered(email, ctx.now())
            else:
                failed += 1
                given_up += _failed(email, failure, ctx.now())
        session.flush()
        if checkpoint is not None:
            checkpoint()
    if smtp is not None:
        return DeliveryReport(sent, 0, failed, smtp.display, over_smtp=True, given_up=given_up)
    return DeliveryReport(0, sent, failed, str(ctx.outbox_dir), over_smtp=False, given_up=given_up)


def _delivered(email: OutboxEmail, now: datetime) -> None:
    email.attempts += 1
    email.sent_at = now
    email.last_error = None
    email.next_attempt_at = None


def _failed(email: OutboxEmail, failure: _Failure, now: datetime) -> int:
    """Record a failed attempt; 1 if the message is now given up, else 0."""
    email.attempts += 1
    email.last_error = failure.message[:_MAX_ERROR_LENGTH]
    if failure.permanent or email.attempts >= MAX_ATTEMPTS:
        email.gave_up_at = now
        email.next_attempt_at = None
        return 1
    email.next_attempt_at = now + backoff(email.attempts)
    return 0


def _outbox_folder(ctx: ServiceContext) -> Path:
    folder = ctx.outbox_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot create the outbox folder {folder}: {exc}") from None
    return folder


def _write_all(emails: Sequence[OutboxEmail], ctx: ServiceContext) -> list[_Failure | None]:
    folder = ctx.outbox_dir
    sender = default_sender(ctx)
    outcomes: list[_Failure | None] = []
    for email in emails:
        try:
            message = _message(email, sender)
            (folder / eml_name(email)).write_bytes(message.as_bytes())
        except _Failure as failure:
            outcomes.append(failure)
        except OSError as exc:
            outcomes.append(_Failure(f"cannot write to {folder}: {exc}", permanent=False))
        else:
            outcomes.append(None)
    return outcomes


def _message(email: OutboxEmail, sender: str) -> Message:
    """The message to send, or the permanent failure of one that must not be sent."""
    problem = address_problem(email.to_address)
    if problem is not None:
        raise _Failure(f"not sent: the recipient {problem}", permanent=True)
    try:
        return build_message(email, sender=sender)
    except (MessageError, ValueError) as exc:
        raise _Failure(f"not sent: the message cannot be built: {exc}", permanent=True) from None


def eml_name(email: OutboxEmail) -> str:
    """``000042-award-<id>.eml`` or ``000043-notice.eml``: sorted by queue order."""
    suffix = f"award-{email.award_id}" if email.award_id else "notice"
    return f"{email.id:06d}-{suffix}.eml"


def outbox_file(ctx: ServiceContext, email: OutboxEmail) -> Path:
    """Where :func:`deliver_pending` writes ``email`` when no SMTP server is configured."""
    return ctx.outbox_dir / eml_name(email)


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    client: smtplib.SMTP
    if smtp.implicit_tls:
        client = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
    if smtp.username:
        client.login(smtp.username, smtp.password or "")
    return client


def _send_all(
    emails: Sequence[OutboxEmail], smtp: SmtpSettings, ctx: ServiceContext
) -> list[_Failure | None]:
    """Send each message; after a connection failure the rest of the batch is not tried.

    A server that cannot be reached fails every message the same way, so they all get
    that error (and their backoff) at once instead of one timeout each.
    """
    sender = smtp.sender or default_sender(ctx)
    client: smtplib.SMTP | None = None
    outcomes: list[_Failure | None] = []
    unreachable: _Failure | None = None
    try:
        for email in emails:
            if unreachable is not None:
                outcomes.append(unreachable)
                continue
            try:
                message = _message(email, sender)
            except _Failure as failure:
                outcomes.append(failure)
                continue
            try:
                if client is None:
                    client = _connect(smtp)
            except (OSError, smtplib.SMTPException) as exc:
                unreachable = _Failure(_describe(exc, smtp), permanent=False)
                outcomes.append(unreachable)
                continue
            try:
                client.send_message(message)
            except (OSError, smtplib.SMTPException) as exc:
                outcomes.append(_Failure(_describe(exc, smtp), permanent=_is_permanent(exc)))
                if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
                    _closed(client)
                    client = None  # reconnect for the next message
                continue
            outcomes.append(None)
    finally:
        _closed(client)
    return outcomes


def _is_permanent(exc: BaseException) -> bool:
    """A 5xx refusal of this message or its recipient (not of our sender or login)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in exc.recipients.values())
    if isinstance(exc, (smtplib.SMTPSenderRefused, smtplib.SMTPAuthenticationError)):
        return False  # the deployment's configuration, not this message
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _closed(client: smtplib.SMTP | None) -> None:
    if client is not None:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def _describe(exc: BaseException, smtp: SmtpSettings) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        reasons = "; ".join(
            f"{address}: {code} {reply.decode('utf-8', 'replace')}"
            for address, (code, reply) in exc.recipients.items()
        )
        return f"recipient refused by {smtp.display}: {reasons}"
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{smtp.display} answered {exc.smtp_code} {reply}"
    return f"cannot deliver through {smtp.display}: {type(exc).__name__}: {exc}"
