"""``credstack verify``: check credentials from files, URLs or standard input.

Heavy modules (the core, pyld, cryptography) are imported inside the command so that
``credstack --help`` stays instant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from credstack.core.report import VerificationReport

_SYMBOLS = {
    "pass": ("✔", "green"),
    "fail": ("✘", "red"),
    "warn": ("!", "yellow"),
    "skip": ("·", "dim"),
}


def verify_command(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Credential files (JSON, VC-JWT, baked PNG or SVG), https URLs, or - for stdin.",
            show_default=False,
        ),
    ],
    documents: Annotated[
        Path | None,
        typer.Option(
            "--documents",
            help="JSON file mapping URLs (DIDs, controller documents, status lists) to local "
            "files, so verification needs no network. Paths are relative to the map.",
            dir_okay=False,
        ),
    ] = None,
    recipient: Annotated[
        str | None,
        typer.Option(help="E-mail address the credential should have been issued to."),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(help="Check dates as of this moment (ISO 8601), instead of the clock."),
    ] = None,
    allow_http_loopback: Annotated[
        bool,
        typer.Option(
            "--allow-http-loopback",
            help="Allow plain http to 127.0.0.1/localhost (for testing a local deployment).",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per input, one per line.")
    ] = False,
) -> None:
    """Verify Open Badges 3.0 credentials and show every check.

    Exit code 0 when every input verified, 1 when any failed a check, 2 when an input
    could not be read as a credential at all or is over the verification budget
    (CREDSTACK_VERIFY_MAX_BYTES, _MAX_ENTRIES, _MAX_PROOFS).
    """
    from credstack.services.verification.verify import VerificationRequest, verify_inputs
    from credstack.services.verification_limits import VerificationLimits
    from credstack.settings import load_settings

    request = VerificationRequest(
        inputs=inputs,
        documents_map=documents,
        recipient=recipient,
        now=now,
        allow_http_loopback=allow_http_loopback,
        stdin=sys.stdin.buffer,
        budget=VerificationLimits.from_settings(load_settings()).budget,
    )
    exit_code = 0
    for report in verify_inputs(request):
        if as_json:
            typer.echo(json.dumps(report.to_json(), ensure_ascii=False))
        else:
            _print_report(report)
        if not report.parsed:
            exit_code = 2
        elif not report.verified:
            exit_code = max(exit_code, 1)
    raise typer.Exit(exit_code)


def _print_report(report: VerificationReport) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    summary = report.summary
    if report.verified:
        headline = "[bold green]VERIFIED[/]"
    elif report.parsed:
        headline = "[bold red]NOT VERIFIED[/]"
    else:
        headline = "[bold red]UNREADABLE[/]"
    console.print(f"{headline}  {escape(report.input)}")
    if summary is not None:
        name = summary.name or "(no name)"
        console.print(f"  {escape(name)} — {escape(_issuer_line(report))}")
    for check in report.checks:
        symbol, colour = _SYMBOLS[check.status.value]
        console.print(
            f"  [{colour}]{symbol} {check.id:<12}[/] {escape(check.message)}", soft_wrap=True
        )


def _issuer_line(report: VerificationReport) -> str:
    """Who issued it: a vouched name as a fact, a claimed name only as a claim."""
    summary = report.summary
    if report.trusted_issuer is not None:
        return f"issued by {report.trusted_issuer.name} (verified issuer)"
    if summary is None or summary.issuer is None:
        return "no issuer named"
    calls = f", which calls itself {summary.issuer_name}" if summary.issuer_name else ""
    return f"signed by {summary.issuer}{calls} (not confirmed)"


def register(app: typer.Typer) -> None:
    """Add ``credstack verify`` as a top-level command."""
    app.command("verify")(verify_command)
