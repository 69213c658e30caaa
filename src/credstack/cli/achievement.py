"""``credstack achievement``: micro-credentials from a YAML/JSON file, published, versioned.

Output follows architecture §6: ``create``, ``publish`` and ``update`` print one JSON object
``{"id", "url", "state"}`` with ``--json``; ``list`` prints JSON lines. A refusal that
has several reasons (a definition with bad fields, an EU micro-credential missing
Annex I elements) prints every reason on its own line, or ``{"error", "problems"}``
with ``--json``, and exits 1, so the issuer can fix the file in one go. Each command
is one unit of work: nothing is kept when it fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from credstack.core.achievement import AchievementDefinition
    from credstack.core.errors import ValidationError
    from credstack.services.context import ServiceContext
    from credstack.store.models import Achievement

achievement_app = typer.Typer(
    name="achievement",
    help="Micro-credentials (achievements): create from a file, publish, version, list.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (lines) for scripts.")]
IdArgument = Annotated[str, typer.Argument(help="The achievement's id (see 'achievement list').")]
FileOption = Annotated[
    Path,
    typer.Option(
        "--file", "-f", exists=True, dir_okay=False, help="The definition (YAML or JSON)."
    ),
]
ImageOption = Annotated[
    Path | None,
    typer.Option(
        "--image",
        exists=True,
        dir_okay=False,
        help="Badge image (PNG, JPEG or SVG); else the file's 'image' path or a generated badge.",
    ),
]


def register(app: typer.Typer) -> None:
    """Add the ``achievement`` command group."""
    app.add_typer(achievement_app)


def _summary(ctx: ServiceContext, achievement: Achievement) -> dict[str, Any]:
    from credstack.services.achievements.lifecycle import achievement_url

    return {
        "id": achievement.id,
        "url": achievement_url(ctx, achievement),
        "state": achievement.state.value,
    }


def _read_definition(file: Path, image: Path | None) -> tuple[AchievementDefinition, bytes | None]:
    """The parsed definition and its image bytes (``--image``, else a local ``image:`` path)."""
    from credstack.core.achievement import parse_definition
    from credstack.core.errors import InputError

    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{file} is not UTF-8 text: {exc.reason}") from None
    defn = parse_definition(text)
    if image is not None:
        return defn, image.read_bytes()
    local = defn.image
    if local is None or "://" in local or local.startswith("data:"):
        return defn, None
    path = Path(local) if Path(local).is_absolute() else file.parent / local
    if not path.is_file():
        raise InputError(f"image: {local!r} is not a file (paths are relative to {file})")
    return defn, path.read_bytes()


def _refuse(exc: ValidationError, as_json: bool) -> NoReturn:
    """Every problem on its own line (or as JSON), then exit 1."""
    if as_json:
        typer.echo(json.dumps({"error": exc.message, "problems": exc.problems}))
        raise typer.Exit(1)
    # the message ends with the problems joined by "; ": print them one per line instead
    headline = exc.message.removesuffix(": " + "; ".join(exc.problems)) if exc.problems else None
    typer.secho(f"error: {headline or exc.message}", fg=typer.colors.RED, err=True)
    for problem in exc.problems:
        typer.echo(f"  - {problem}", err=True)
    raise typer.Exit(1)


def _print(row: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        typer.echo(json.dumps(row))
        return
    typer.echo(f"{verb} achievement {row['id']} ({row['state']})")
    typer.echo(f"Public URL: {row['url']}")


@achievement_app.command("create")
def create_command(
    issuer: Annotated[str, typer.Option("--issuer", help="The issuer's slug.")],
    file: FileOption,
    image: ImageOption = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="Publish it at once (all-or-nothing).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Create an achievement (a draft) from a definition file; --publish publishes it too."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.core.errors import ValidationError
    from credstack.services.accounts.users import Principal
    from credstack.services.achievements import lifecycle as achievements

    try:
        defn, image_bytes = _read_definition(file, image)
        with unit_of_work() as (session, ctx):
            achievement = achievements.create_achievement(
                session, ctx, issuer_slug=issuer, definition=defn, image=image_bytes,
                principal=Principal.operator(),
            )  # fmt: skip
            if publish:
                achievement = achievements.publish(
                    session, ctx, achievement.id, principal=Principal.operator()
                )
            row = _summary(ctx, achievement)
    except ValidationError as exc:
        _refuse(exc, as_json)
    _print(row, as_json, "Created")


@achievement_app.command("publish")
def publish_command(achievement_id: IdArgument, as_json: JsonFlag = False) -> None:
    """Publish a draft (refused, naming each one, while an EU mandatory element is missing)."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.core.errors import ValidationError
    from credstack.services.accounts.users import Principal
    from credstack.services.achievements import lifecycle as achievements

    try:
        with unit_of_work() as (session, ctx):
            published = achievements.publish(
                session, ctx, achievement_id, principal=Principal.operator()
            )
            row = _summary(ctx, published)
    except ValidationError as exc:
        _refuse(exc, as_json)
    _print(row, as_json, "Published")


@achievement_app.command("update")
def update_command(
    achievement_id: IdArgument,
    file: FileOption,
    image: ImageOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Edit a draft in place; editing a published one makes a new draft version."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.core.errors import ValidationError
    from credstack.services.accounts.users import Principal
    from credstack.services.achievements import lifecycle as achievements

    try:
        defn, image_bytes = _read_definition(file, image)
        with unit_of_work() as (session, ctx):
            updated = achievements.update(
                session, ctx, achievement_id, defn, image=image_bytes,
                principal=Principal.operator(),
            )  # fmt: skip
            row = _summary(ctx, updated)
            version = updated.version
    except ValidationError as exc:
        _refuse(exc, as_json)
    if as_json:
        typer.echo(json.dumps(row))
        return
    if row["id"] == achievement_id:
        typer.echo(f"Updated draft {row['id']} (version {version})")
    else:
        typer.echo(f"Made version {version} as draft {row['id']}; publish it to award it")
        typer.echo(f"Version of {achievement_id} stays published for its credentials")


@achievement_app.command("archive")
def archive_command(achievement_id: IdArgument, as_json: JsonFlag = False) -> None:
    """Stop awarding a version; it stays public for the credentials already issued."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.accounts.users import Principal
    from credstack.services.achievements import lifecycle as achievements

    with unit_of_work() as (session, ctx):
        archived = achievements.archive(
            session, ctx, achievement_id, principal=Principal.operator()
        )
        row = _summary(ctx, archived)
    _print(row, as_json, "Archived")


@achievement_app.command("list")
def list_command(
    issuer: Annotated[str | None, typer.Option("--issuer", help="Only this issuer's.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List achievement versions: id, name, version, state and public URL."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.accounts.users import Principal
    from credstack.services.achievements import lifecycle as achievements

    with unit_of_work() as (session, ctx):
        rows = [
            {
                "id": achievement.id,
                "name": achievement.name,
                "version": achievement.version,
                "state": achievement.state.value,
                "url": achievements.achievement_url(ctx, achievement),
            }
            for achievement in achievements.list_achievements(
                session, principal=Principal.operator(), issuer_slug=issuer
            ).items
        ]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    if not rows:
        typer.echo("No achievements yet: create one with 'credstack achievement create'.")
    for row in rows:
        typer.echo(f"{row['id']}  v{row['version']}  {row['state']:<9}  {row['name']}")


@achievement_app.command("show")
def show_command(achievement_id: IdArgument) -> None:
    """Print one version as JSON: its state, definition and published OB 3.0 Achievement."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.accounts.authz import Action
    from credstack.services.accounts.users import Principal
    from credstack.services.achievements import lifecycle as achievements

    with unit_of_work() as (session, ctx):
        achievement = achievements.achievement_for(
            session, Principal.operator(), achievement_id, Action.VIEW
        )
        document = {
            **_summary(ctx, achievement),
            "lineage_id": achievement.lineage_id,
            "version": achievement.version,
            "name": achievement.name,
            "eu_micro_credential": achievement.eu_micro_credential,
            "image_mime": achievement.image_mime,
            "definition": achievement.definition,
            "achievement": achievement.achievement_json,
        }
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
