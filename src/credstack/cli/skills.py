"""``credstack skills import``: load the ESCO and O*NET downloads the user unpacked.

Each batch is committed as it is written, so a long import that is interrupted keeps its
progress and a second run (which upserts) finishes it. A Rich progress bar per file is
shown on a terminal; ``--json`` prints one summary object instead (architecture §6).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from credstack.services.skills.importing import FrameworkImport

skills_app = typer.Typer(
    name="skills",
    help="Skills and occupations from ESCO and O*NET (for aligning micro-credentials).",
    no_args_is_help=True,
)

FolderOption = Annotated[
    Path | None,
    typer.Option(exists=True, file_okay=False, dir_okay=True, resolve_path=True),
]


def register(app: typer.Typer) -> None:
    """Add the ``skills`` command group."""
    app.add_typer(skills_app)


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[str, float], None] | None]:
    """One Rich bar per file on stderr, or nothing (``--json``, not a terminal)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        tasks: dict[str, TaskID] = {}

        def advance(stage: str, fraction: float) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=1.0)
            bar.update(tasks[stage], completed=fraction)

        yield advance


def _describe(result: FrameworkImport) -> str:
    name = "ESCO" if result.framework == "esco" else "O*NET"
    return (
        f"{name}: {result.skills} skills ({result.added_skills} new), "
        f"{result.occupations} occupations ({result.added_occupations} new), "
        f"{result.relations} occupation-skill links ({result.added_relations} new, "
        f"{result.skipped_relations} skipped)"
    )


@skills_app.command("import")
def import_command(
    esco: Annotated[
        Path | None,
        typer.Option(
            "--esco",
            exists=True,
            file_okay=False,
            help="Folder with the ESCO CSV export (skills_en.csv, occupations_en.csv, "
            "occupationSkillRelations.csv; .gz accepted).",
        ),
    ] = None,
    onet: Annotated[
        Path | None,
        typer.Option(
            "--onet",
            exists=True,
            file_okay=False,
            help="Folder with the O*NET text release (Occupation Data.txt, Skills.txt, "
            "Knowledge.txt, Abilities.txt, Content Model Reference.txt; .tsv/.gz accepted).",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="Read only the first N rows of each file (a preview)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Import skills, occupations and their links; re-running updates, never duplicates."""
    from credstack.core.errors import InputError

    if esco is None and onet is None:
        raise InputError("give --esco FOLDER and/or --onet FOLDER (the unpacked downloads)")
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.skills.importing import import_esco, import_onet

    results: list[FrameworkImport] = []
    show_bar = not as_json and sys.stderr.isatty()
    with unit_of_work() as (session, _ctx), _progress_bar(show_bar) as progress:
        if esco is not None:
            results.append(
                import_esco(
                    session, esco, limit=limit, progress=progress, checkpoint=session.commit
                )
            )
        if onet is not None:
            results.append(
                import_onet(
                    session, onet, limit=limit, progress=progress, checkpoint=session.commit
                )
            )
    if as_json:
        typer.echo(json.dumps({result.framework: result.as_dict() for result in results}))
        return
    for result in results:
        typer.echo(_describe(result))
    if esco is not None:
        typer.echo("This service uses the ESCO classification of the European Commission.")
    if onet is not None:
        typer.echo(
            "Includes information from the O*NET Database by USDOL/ETA, used under CC BY 4.0."
        )
