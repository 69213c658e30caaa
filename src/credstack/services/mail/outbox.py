"""E-mail: queue messages with the work that causes them, deliver them later.

Queuing writes an :class:`OutboxEmail` row in the caller's transaction, so an award
and its claim e-mail commit (or roll back) together and a down mail server never loses
an award. :func:`deliver_pending` then sends what is queued: over SMTP when
``CREDSTACK_SMTP_URL`` is set (see :mod:`credstack.services.mail.smtp_url`), otherwise as
RFC 5322 ``.eml`` files in the outbox folder, so a deployment without mail still shows
exactly what would have been sent.
"""

from __future__ import annotations

import hashlib
import html
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from credstack.core.email_address import address_problem
from credstack.core.errors import ConfigurationError
from credstack.services.context import ServiceContext
from credstack.services.learners.claims import ClaimLink, hash_token, mint_claim_link
from credstack.services.mail.smtp_url import SmtpSettings, parse_smtp_url
from credstack.store.models import Achievement, Award, Organization, OutboxEmail

#: UTF-8 bodies as quoted-printable: 7-bit safe for any server, still readable in a .eml
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP

#: longest error text kept per message (enough for any SMTP reply)
_MAX_ERROR_LENGTH = 1000


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery run did; ``destination`` is the SMTP host or the outbox folder."""

    sent: int
    written: int
    failed: int
    destination: str
    #: True when delivered over SMTP, False when written as .eml files
    over_smtp: bool


def queue_claim_email(session: Session, ctx: ServiceContext, award: Award) -> ClaimLink:
    """Give ``award`` a fresh claim link and queue the e-mail that carries it.

    Called after each award (and by ``resend_claim``): the achievement, the issuer, the
    personal claim link with its expiry and the public credential URL, in plain text and
    in escaped HTML.
    """
    achievement_name, issuer_name = _names(session, award)
    link = mint_claim_link(ctx, award.id)
    # Plain attribute changes, no flush: the caller's flush batches them (fast in a loop).
    award.claim_token_hash = hash_token(link.token)
    award.claim_expires_at = link.expires_at
    fields = _claim_email(ctx, award, link, achievement_name, issuer_name)
    session.add(OutboxEmail(**fields, created_at=ctx.now()))
    return link


def _names(session: Session, award: Award) -> tuple[str, str]:
    """(achievement name, issuer name); ``session.get`` answers repeats from the identity map."""
    achievement = session.get(Achievement, award.achievement_id)
    issuer = session.get(Organization, award.organization_id)
    return (
        achievement.name if achievement is not None else "a credential",
        issuer.name if issuer is not None else "Your issuer",
    )


def queue_claim_emails(
    session: Session, ctx: ServiceContext, awards: Sequence[Award]
) -> list[ClaimLink]:
    """:func:`queue_claim_email` for a whole batch in two statements (bulk issuing).

    The awards' token hashes are set with one bulk UPDATE and the e-mails inserted with
    one bulk INSERT; the award objects in the session see the new values too.
    """
    if not awards:
        return []
    names: dict[tuple[str, str], tuple[str, str]] = {}
    links: list[ClaimLink] = []
    updates: list[dict[str, Any]] = []
    emails: list[dict[str, Any]] = []
    now = ctx.now()
    for award in awards:
        key = (award.achievement_id, award.organization_id)
        if key not in names:
            names[key] = _names(session, award)
        link = mint_claim_link(ctx, award.id)
        links.append(link)
        updates.append(
            {
                "id": award.id,
                "claim_token_hash": hash_token(link.token),
                "claim_expires_at": link.expires_at,
            }
        )
        emails.append(_claim_email(ctx, award, link, *names[key]) | {"created_at": now})
    session.execute(update(Award), updates)
    for award, values in zip(awards, updates, strict=True):
        set_committed_value(award, "claim_token_hash", values["claim_token_hash"])
        set_committed_value(award, "claim_expires_at", values["claim_expires_at"])
    session.execute(insert(OutboxEmail), emails)
    return links


def _claim_email(
    ctx: ServiceContext, award: Award, link: ClaimLink, achievement_name: str, issuer_name: str
) -> dict[str, Any]:
    """The outbox columns of one claim e-mail (text and escaped HTML)."""
    credential_url = ctx.url(f"/credentials/{award.id}")
    expiry = f"{link.expires_at:%d %B %Y, %H:%M} UTC"
    paragraphs = [
        f"Hello {award.recipient_name},",
        f"{issuer_name} has awarded you \N{LEFT DOUBLE QUOTATION MARK}{achievement_name}"
        "\N{RIGHT DOUBLE QUOTATION MARK}.",
        f"Claim it with your personal link (it works until {expiry}):",
    ]
    closing = "Anyone can check the credential at its public address:"
    after = f"If the claim link has expired, ask {issuer_name} to send a new one."
    text_body = "\n\n".join([*paragraphs, link.url, closing, credential_url, after]) + "\n"
    html_body = _html(
        [
            *(_p(text) for text in paragraphs),
            _p_link(link.url),
            _p(closing),
            _p_link(credential_url),
            _p(after),
        ]
    )
    return {
        "to_address": award.recipient_email,
        "subject": f"Your credential from {issuer_name}: {achievement_name}",
        "text_body": text_body,
        "html_body": html_body,
        "award_id": award.id,
    }


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
    text_parts = [*paragraphs, *([link] if link else [])]
    email = OutboxEmail(
        to_address=to_address,
        subject=subject,
        text_body="\n\n".join(text_parts) + "\n",
        html_body=_html([*(_p(text) for text in paragraphs), *([_p_link(link)] if link else [])]),
        award_id=award_id,
        created_at=ctx.now(),
    )
    session.add(email)
    session.flush()
    return email


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


def pending(session: Session, limit: int | None = None) -> Sequence[OutboxEmail]:
    """Unsent e-mails, oldest first."""
    query = select(OutboxEmail).where(OutboxEmail.sent_at.is_(None)).order_by(OutboxEmail.id)
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query).all()


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
    session: Session, ctx: ServiceContext, limit: int | None = None
) -> DeliveryReport:
    """Send (SMTP) or write (outbox folder) every unsent e-mail; mark what went out.

    One failing message does not stop the others: its ``attempts`` grows and
    ``last_error`` says why, and it is tried again next time.
    """
    emails = pending(session, limit)
    if ctx.smtp_url:
        smtp = parse_smtp_url(ctx.smtp_url)
        sent, failed = _send_all(emails, smtp, ctx)
        session.flush()
        return DeliveryReport(
            sent=sent, written=0, failed=failed, destination=smtp.display, over_smtp=True
        )
    written, failed = _write_all(emails, ctx)
    session.flush()
    return DeliveryReport(
        sent=0, written=written, failed=failed, destination=str(ctx.outbox_dir), over_smtp=False
    )


def _bad_recipient(email: OutboxEmail) -> bool:
    """True, with the reason recorded, when the row's address breaks the address rule.

    Rows queued before every door checked addresses may hold a CR LF and a ``Bcc:`` or a
    list: such a message is never sent (nor written), the others still are.
    """
    problem = address_problem(email.to_address)
    if problem is None:
        return False
    email.attempts += 1
    email.last_error = f"not sent: the recipient {problem}"[:_MAX_ERROR_LENGTH]
    return True


def _write_all(emails: Sequence[OutboxEmail], ctx: ServiceContext) -> tuple[int, int]:
    """(written, refused for a bad recipient)."""
    folder = ctx.outbox_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot create the outbox folder {folder}: {exc}") from None
    sender = default_sender(ctx)
    written = 0
    for email in emails:
        if _bad_recipient(email):
            continue
        written += 1
        message = build_message(email, sender=sender)
        path = folder / eml_name(email)
        path.write_bytes(message.as_bytes())
        email.attempts += 1
        email.sent_at = ctx.now()
        email.last_error = None
    return written, len(emails) - written


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
) -> tuple[int, int]:
    sender = smtp.sender or default_sender(ctx)
    client: smtplib.SMTP | None = None
    sent = failed = 0
    try:
        for email in emails:
            if _bad_recipient(email):
                failed += 1
                continue
            email.attempts += 1
            try:
                if client is None:
                    client = _connect(smtp)
                client.send_message(build_message(email, sender=sender))
            except (OSError, smtplib.SMTPException) as exc:
                failed += 1
                email.last_error = _describe(exc, smtp)[:_MAX_ERROR_LENGTH]
                if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
                    _closed(client)
                    client = None  # reconnect for the next message
                continue
            sent += 1
            email.sent_at = ctx.now()
            email.last_error = None
    finally:
        _closed(client)
    return sent, failed


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
