"""``credstack award list | revoke | export | correct``: managing awards already issued.

These commands hang on the one ``award`` Typer app of ``cli/award.py`` (one registration
line each there). Output follows architecture §6: ``list --json`` prints JSON lines
``{"id", "recipient", "state", "url"}``, ``revoke --json`` prints ``{"id", "state"}``;
the ``id`` is what ``revoke``, ``export`` and the public URL take. Usage mistakes
(both or neither of ``-o``/``--dir``) exit with 2, refusals with 1.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from credstack.core.errors import InputError

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (lines) for scripts.")]
AwardId = Annotated[str, typer.Argument(help="The award id (see 'award list').")]


class ExportFormat(StrEnum):
    """The forms an award is exported in (the file extension too)."""

    JSON = "json"
    PNG = "png"
    SVG = "svg"
    JWT = "jwt"


def list_command(
    achievement: Annotated[
        str | None,
        typer.Option("--achievement", help="Only awards of this achievement (any version)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List awards, oldest first: id, recipient e-mail, state and public URL."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.accounts.users import Principal
    from credstack.services.issuing.listing import AwardFilters, credential_url, list_awards

    with unit_of_work() as (session, ctx):
        filters = AwardFilters(achievement_id=achievement)
        for summary in list_awards(session, filters, principal=Principal.operator()).stream():
            url = credential_url(ctx, summary.id)
            if as_json:
                line = {
                    "id": summary.id,
                    "recipient": summary.recipient_email,
                    "state": summary.state.value,
                    "url": url,
                }
                typer.echo(json.dumps(line))
            else:
                typer.echo(
                    f"{summary.id}  {summary.state.value:<8}  {summary.recipient_email}  {url}"
                )


def revoke_command(
    award_id: AwardId,
    reason: Annotated[
        str, typer.Option("--reason", help="Why (kept in the audit log and on the award).")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Revoke an award: its bit is set in the status list verifiers fetch next."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.accounts.users import Principal
    from credstack.services.revocation.revoke import revoke

    with unit_of_work() as (session, ctx):
        award = revoke(session, ctx, award_id, reason, principal=Principal.operator())
        result = {"id": award.id, "state": award.state.value}
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"Revoked award {result['id']}; verifiers see it at their next status check.")


def export_command(
    award_ids: Annotated[list[str], typer.Argument(help="One or more award ids.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="json, png, svg or jwt.")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="The file to write (one award only).")
    ] = None,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="A folder; files are named <id>.<format>.")
    ] = None,
) -> None:
    """Export awards as the signed JSON, a VC-JWT, or a PNG/SVG with the credential baked in."""
    if (output is None) == (directory is None):
        raise InputError("give exactly one of -o FILE or --dir DIR")
    if output is not None and len(award_ids) != 1:
        raise InputError(f"-o writes one file but {len(award_ids)} awards were named; use --dir")

    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.issuing.listing import get_award
    from credstack.services.learners.renderings import render

    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with unit_of_work() as (session, ctx):
        awards = [get_award(session, award_id) for award_id in award_ids]  # all known first
        for award in awards:
            if output is not None:
                target = output
            else:
                assert directory is not None  # exactly one of the two was checked above
                target = directory / f"{award.id}.{fmt.value}"
            target.write_bytes(render(session, ctx, award, fmt.value))
            written.append(target)
    for path in written:
        typer.echo(f"Wrote {path}", err=True)


def correct_command(
    award_id: AwardId,
    name: Annotated[str | None, typer.Option("--name", help="The corrected name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="The corrected e-mail.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Correct a name or e-mail: revoke the award and issue a new one that names it."""
    if name is None and email is None:
        raise InputError("give --name and/or --email with the corrected value")

    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.accounts.users import Principal
    from credstack.services.issuing.listing import credential_url
    from credstack.services.revocation.revoke import correct

    with unit_of_work() as (session, ctx):
        new = correct(
            session, ctx, award_id, name=name, email=email, principal=Principal.operator()
        )
        result = {
            "id": new.id,
            "url": credential_url(ctx, new.id),
            "state": new.state.value,
            "replaces": award_id,
        }
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"Revoked award {award_id} (corrected) and issued {result['id']}")
    typer.echo(f"Public URL: {result['url']}")
