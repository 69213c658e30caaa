"""``credstack award``: issue one award (``create``) or a whole CSV file (``bulk``).

Output follows architecture §6: ``create --json`` prints ``{"id", "url", "state"}`` (plus
``"created"``: false when the same learner and external id were awarded before);
``bulk --json`` prints ``{"issued", "skipped", "invalid", "problems"}``. ``bulk`` exits 1
whenever a row was bad, even when ``--skip-invalid`` issued the good ones, so a script
notices. ``award_manage`` adds ``revoke``, ``export``, ``list`` and ``correct`` onto the
same :data:`award_app`. Heavy imports stay inside the command functions so ``credstack
--help`` stays instant.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from credstack.services.issuing.bulk import BulkSummary

award_app = typer.Typer(
    name="award",
    help="Issue, list, revoke and export awards (signed credentials).",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
AchievementOption = Annotated[
    str, typer.Option("--achievement", help="The published achievement's id.")
]


def register(app: typer.Typer) -> None:
    """Add the ``award`` command group."""
    app.add_typer(award_app)


@award_app.command("create")
def create_command(
    achievement: AchievementOption,
    email: Annotated[str, typer.Option("--email", help="The learner's e-mail address.")],
    name: Annotated[str, typer.Option("--name", help="The learner's name, as printed.")],
    external_id: Annotated[
        str, typer.Option("--external-id", help="Your own learner or enrolment number.")
    ] = "",
    evidence: Annotated[
        str | None, typer.Option("--evidence", help="A URL showing the learner's work.")
    ] = None,
    narrative: Annotated[
        str | None, typer.Option("--narrative", help="What this learner did, in words.")
    ] = None,
    result: Annotated[str | None, typer.Option("--result", help="A grade or score.")] = None,
    issued: Annotated[
        str | None, typer.Option("--issued", help="Issue date (ISO 8601); default now.")
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option("--expires", help="Expiry (ISO 8601); default: the achievement's validity."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Issue one signed credential and print its id and public URL."""
    from dataclasses import asdict

    from credstack.cli.unit_of_work import unit_of_work
    from credstack.core.award_request import AwardInput, check_award
    from credstack.core.errors import InputError
    from credstack.services.accounts.users import Principal
    from credstack.services.issuing.awards import award_url, issue_award

    award = AwardInput(
        email=email,
        name=name,
        external_id=external_id,
        evidence=evidence,
        narrative=narrative,
        result=result,
        issued=issued,
        expires=expires,
    )
    # the rules every door shares, checked before the database is opened; the problem is
    # named by its option, as a command line names it
    checked, problems = check_award(award, now=datetime.now(UTC))
    if checked is None:
        named = [f"--{problem.field.replace('_', '-')}: {problem.message}" for problem in problems]
        raise InputError("; ".join(named))
    with unit_of_work() as (session, ctx):
        outcome = issue_award(
            session,
            ctx,
            achievement_id=achievement,
            **asdict(award),
            principal=Principal.operator(),
        )
        row = {
            "id": outcome.award.id,
            "url": award_url(ctx, outcome.award),
            "state": outcome.award.state.value,
            "created": outcome.created,
        }
    if as_json:
        typer.echo(json.dumps(row))
        return
    verb = "Issued" if outcome.created else "Already issued (nothing new signed):"
    typer.echo(f"{verb} award {row['id']} to {checked.email}")
    typer.echo(f"Public URL: {row['url']}")


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on stderr, or nothing (JSON output, not a terminal)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("issuing", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def _report(summary: BulkSummary, as_json: bool) -> None:
    problems = [
        {"line": problem.line, "column": problem.column, "message": problem.message}
        for problem in summary.problems
    ]
    if as_json:
        row: dict[str, Any] = {
            "issued": summary.issued,
            "skipped": summary.skipped,
            "invalid": summary.invalid,
            "problems": problems,
        }
        typer.echo(json.dumps(row))
        return
    for problem in summary.problems:
        typer.secho(f"  {problem}", fg=typer.colors.RED, err=True)
    if summary.problems and summary.issued == 0 and summary.skipped == 0:
        typer.secho(
            f"error: {len(summary.problems)} problem(s) in the file; nothing was issued "
            "(fix them, or use --skip-invalid to issue the valid rows)",
            fg=typer.colors.RED,
            err=True,
        )
    if summary.dry_run:
        typer.echo(f"Dry run: {summary.invalid} invalid row(s); nothing issued.")
        return
    typer.echo(
        f"{summary.issued} issued, {summary.skipped} skipped (already issued), "
        f"{summary.invalid} invalid."
    )


@award_app.command("bulk")
def bulk_command(
    achievement: AchievementOption,
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="CSV with a header row (see the README)."),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the whole file; issue nothing.")
    ] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Issue the valid rows even if some are bad.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Issue an award for every row of a CSV file (validated first, committed in batches)."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.accounts.users import Principal
    from credstack.services.issuing.bulk import issue_csv
    from credstack.store.engine import Transactions

    show_bar = not as_json and sys.stderr.isatty()
    # batch by batch, waiting patiently for the write lock while a server writes too
    work = unit_of_work(transactions=Transactions.BACKGROUND)
    with work as (session, ctx), _progress_bar(show_bar) as progress:
        summary = issue_csv(
            session,
            ctx,
            achievement,
            file,
            principal=Principal.operator(),
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            progress=progress,
            checkpoint=session.commit,
            idle=session.commit,  # no write lock held while the file is validated
        )
    _report(summary, as_json)
    if summary.problems:
        raise typer.Exit(1)


def _add_management_commands() -> None:
    """``list``, ``revoke``, ``export`` and ``correct`` live in ``cli/award_manage.py``."""
    from credstack.cli import award_manage

    award_app.command("list")(award_manage.list_command)
    award_app.command("revoke")(award_manage.revoke_command)
    award_app.command("export")(award_manage.export_command)
    award_app.command("correct")(award_manage.correct_command)


_add_management_commands()
