"""Operator commands: ``backup``, ``restore``, ``audit list``, ``outbox send|list``, resend claims.

Output follows architecture §6: ``--json`` prints one JSON object (``backup``, ``restore``,
``outbox send``, ``award resend-claim``) or JSON lines (``audit list``, ``outbox list``).
``outbox send`` exits 1 when any e-mail failed, so a cron job notices. ``resend-claim``
hangs on the ``award`` group of ``cli/award.py``. Heavy imports stay inside the command
functions so ``credstack --help`` stays instant.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from credstack.store.models import Event, OutboxEmail

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (lines) for scripts.")]

audit_app = typer.Typer(name="audit", help="Read the append-only audit log.", no_args_is_help=True)
outbox_app = typer.Typer(
    name="outbox",
    help="Queued e-mails: send them (SMTP or .eml files) and list them.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add ``backup``, ``restore``, the ``audit`` and ``outbox`` groups, ``award resend-claim``."""
    from credstack.cli.award import award_app

    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    app.add_typer(audit_app)
    app.add_typer(outbox_app)
    award_app.command("resend-claim")(resend_claim_command)


def _counts_text(counts: dict[str, int]) -> str:
    shown = [f"{counts[name]} {name}" for name in ("organizations", "awards", "events")]
    return ", ".join(shown) + f" ({sum(counts.values())} rows in all)"


def backup_command(
    out: Annotated[Path, typer.Argument(help="The archive to write, e.g. credstack.tar.gz.")],
    as_json: JsonFlag = False,
) -> None:
    """Back up the database, the signing keys and the master secret into one .tar.gz."""
    from credstack.services.operations.backup import backup
    from credstack.settings import load_settings

    result = backup(load_settings(), out)
    if as_json:
        typer.echo(
            json.dumps({"path": str(out), "revision": result.revision, "counts": result.counts})
        )
    else:
        typer.echo(f"Backed up {_counts_text(result.counts)} to {out}.")
    typer.echo(
        "The archive holds the master secret: keep it as safe as the signing keys themselves.",
        err=True,
    )


def restore_command(
    archive: Annotated[Path, typer.Argument(help="An archive written by 'credstack backup'.")],
    as_json: JsonFlag = False,
) -> None:
    """Restore a backup into an EMPTY database (created if needed), with its master secret."""
    from credstack.services.operations.backup import restore
    from credstack.settings import load_settings

    result = restore(load_settings(), archive)
    secret = str(result.secret_file) if result.secret_file else None
    if as_json:
        line = {"revision": result.revision, "counts": result.counts, "secret_file": secret}
        typer.echo(json.dumps(line))
        return
    typer.echo(f"Restored {_counts_text(result.counts)} from {archive}.")
    typer.echo(
        f"Master secret written to {secret}."
        if secret
        else "Master secret: CREDSTACK_SECRET_KEY (matches the archive)."
    )


def _event_json(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "kind": event.kind,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "organization_id": event.organization_id,
        "data": event.data,
    }


@audit_app.command("list")
def audit_list_command(
    kind: Annotated[
        str | None, typer.Option("--kind", help="Kind prefix, e.g. 'award.' or 'key.'.")
    ] = None,
    organization: Annotated[
        str | None, typer.Option("--organization", help="Only this issuer's events (slug).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 100,
    as_json: JsonFlag = False,
) -> None:
    """List audit events, newest first: every award, revocation and key change."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.audit import list_events
    from credstack.services.issuers.organizations import organization_by_slug
    from credstack.store.engine import Transactions

    with unit_of_work(transactions=Transactions.READ) as (session, _ctx):
        organization_id = organization_by_slug(session, organization).id if organization else None
        lines = [
            _event_json(event)
            for event in list_events(
                session, organization_id=organization_id, kind_prefix=kind, limit=limit
            )
        ]
    for line in lines:
        if as_json:
            typer.echo(json.dumps(line))
        else:
            data = json.dumps(line["data"], sort_keys=True) if line["data"] else ""
            typer.echo(
                f"{line['at']}  {line['actor']:<10}  {line['kind']:<22}  "
                f"{line['subject_type']}:{line['subject_id']}  {data}".rstrip()
            )


@outbox_app.command("send")
def outbox_send_command(
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Send at most this many.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Deliver queued e-mails: over CREDSTACK_SMTP_URL, or as .eml files in the outbox folder."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.mail.outbox import deliver_pending
    from credstack.store.engine import Transactions

    # committed batch by batch, no write lock held while the mail server answers, and
    # patient while a running server writes
    with unit_of_work(transactions=Transactions.BACKGROUND) as (session, ctx):
        report = deliver_pending(session, ctx, limit=limit, checkpoint=session.commit)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "sent": report.sent,
                    "written": report.written,
                    "failed": report.failed,
                    "destination": report.destination,
                }
            )
        )
    else:
        if not report.over_smtp:
            typer.echo(f"{_emails(report.written)} written to {report.destination}")
        else:
            typer.echo(f"{_emails(report.sent)} sent through {report.destination}")
        if report.failed:
            retried = report.failed - report.given_up
            typer.echo(
                f"{_emails(report.failed)} failed; see 'credstack outbox list' for why "
                f"({retried} tried again next time, {report.given_up} given up)",
                err=True,
            )
    if report.failed:
        raise typer.Exit(1)


def _emails(count: int) -> str:
    return f"{count} e-mail" + ("" if count == 1 else "s")


def _outbox_json(email: OutboxEmail) -> dict[str, Any]:
    queued_state = "failed" if email.last_error else "queued"
    unsent_state = "given-up" if email.gave_up_at is not None else queued_state
    state = "sent" if email.sent_at is not None else unsent_state
    return {
        "id": email.id,
        "to": email.to_address,
        "subject": email.subject,
        "state": state,
        "attempts": email.attempts,
        "last_error": email.last_error,
        "award_id": email.award_id,
        "created_at": email.created_at.isoformat(),
        "sent_at": email.sent_at.isoformat() if email.sent_at else None,
        "next_attempt_at": email.next_attempt_at.isoformat() if email.next_attempt_at else None,
    }


@outbox_app.command("list")
def outbox_list_command(
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 100,
    as_json: JsonFlag = False,
) -> None:
    """List e-mails, newest first: queued, sent or failed (with the last error)."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.mail.outbox import list_outbox
    from credstack.store.engine import Transactions

    with unit_of_work(transactions=Transactions.READ) as (session, _ctx):
        lines = [_outbox_json(email) for email in list_outbox(session, limit=limit)]
    for line in lines:
        if as_json:
            typer.echo(json.dumps(line))
        else:
            error = f"  ({line['last_error']})" if line["last_error"] else ""
            typer.echo(
                f"{line['id']:>6}  {line['state']:<6}  {line['to']}  {line['subject']}{error}"
            )


def resend_claim_command(
    award_id: Annotated[str, typer.Argument(help="The award id (see 'award list').")],
    as_json: JsonFlag = False,
) -> None:
    """E-mail a NEW claim link for an award (the old link stops working)."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.accounts.users import Principal
    from credstack.services.issuing.listing import get_award
    from credstack.services.learners.claims import resend_claim

    with unit_of_work() as (session, ctx):
        link = resend_claim(session, ctx, award_id, principal=Principal.operator())
        to = get_award(session, award_id).recipient_email
    if as_json:
        line = {
            "id": link.award_id,
            "to": to,
            "claim_url": link.url,
            "expires_at": link.expires_at.isoformat(),
        }
        typer.echo(json.dumps(line))
        return
    typer.echo(
        f"New claim link for award {link.award_id} queued for {to}, valid until "
        f"{link.expires_at:%Y-%m-%d %H:%M} UTC; 'credstack outbox send' delivers it."
    )
