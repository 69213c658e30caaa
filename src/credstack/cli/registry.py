"""``credstack registry import|list|remove``: issuer registries whose issuers count here.

An imported registry vouches for the issuers it lists: their credentials verify with
"verified issuer NAME (…): listed in the registry R" (``services.issuers.trust``).
``--json`` prints one JSON line per registry.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from credstack.store.models import IssuerRegistry

registry_app = typer.Typer(
    name="registry",
    help="Issuer registries (DCC format) whose issuers count as verified.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON lines for scripts.")]


def register(app: typer.Typer) -> None:
    """Add the ``registry`` command group."""
    app.add_typer(registry_app)


def _registry_json(registry: IssuerRegistry) -> dict[str, Any]:
    return {
        "name": registry.name,
        "format": registry.format,
        "source": registry.source,
        "entries": registry.entry_count,
        "imported_at": registry.imported_at.isoformat(),
        "published_at": registry.published_at.isoformat() if registry.published_at else None,
    }


@registry_app.command("import")
def import_command(
    source: Annotated[
        str, typer.Argument(help="A registry (or list of registries) file, or its https URL.")
    ],
    name: Annotated[
        str | None,
        typer.Option("--name", help="The registry's name (default: from the file or URL)."),
    ] = None,
    allow_http_loopback: Annotated[
        bool,
        typer.Option(
            "--allow-http-loopback",
            help="Allow plain http to 127.0.0.1/localhost (for testing a local server).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Import an issuer registry; importing a name again replaces its entries.

    Reads the DCC registry format ({"registry": {DID: {name, url, location}}}) and the
    DCC list of registries ([{type, name, url}], whose dcc-legacy entries are fetched).
    """
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.registries.importing import import_registry

    with unit_of_work() as (session, ctx):
        result = import_registry(
            session, ctx, source, name=name, allow_http_loopback=allow_http_loopback
        )
        rows = [
            _registry_json(item.registry) | {"skipped": list(item.skipped)}
            for item in result.imported
        ]
    rows += [
        {"name": label, "imported": False, "reason": why} for label, why in result.not_imported
    ]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
    else:
        for row in rows:
            if row.get("imported") is False:
                typer.echo(f"Not imported: {row['name']}: {row['reason']}")
                continue
            typer.echo(f"Imported {row['name']}: {row['entries']} issuers from {row['source']}")
            for problem in row["skipped"]:
                typer.echo(f"  skipped {problem}")
    if not result.imported:
        raise typer.Exit(1)


@registry_app.command("list")
def list_command(as_json: JsonFlag = False) -> None:
    """List the imported registries with where and when they were read."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.registries.importing import list_registries

    with unit_of_work() as (session, _ctx):
        rows = [_registry_json(registry) for registry in list_registries(session)]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    if not rows:
        typer.echo("No registries yet: import one with 'credstack registry import FILE|URL'.")
    for row in rows:
        typer.echo(
            f"{row['name']}  {row['entries']} issuers  imported {row['imported_at']}"
            f"  from {row['source']}"
        )


@registry_app.command("remove")
def remove_command(
    name: Annotated[str, typer.Argument(help="The registry's name (see 'registry list').")],
    as_json: JsonFlag = False,
) -> None:
    """Forget a registry: the issuers it listed no longer count as verified."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.registries.importing import remove_registry

    with unit_of_work() as (session, ctx):
        removed = remove_registry(session, ctx, name)
        row = {"name": removed.name, "removed": True}
    if as_json:
        typer.echo(json.dumps(row))
        return
    typer.echo(f"Removed the registry {name}")
