"""System commands: ``credstack init`` (create or upgrade the database) and ``serve``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from credstack.settings import Settings


def register(app: typer.Typer) -> None:
    """Add ``init`` and ``serve`` as top-level commands."""
    app.command("init")(init)
    app.command("serve")(serve)


def init(
    as_json: bool = typer.Option(
        False, "--json", help='Print {"database", "migrated"} as JSON instead of a sentence.'
    ),
) -> None:
    """Create or upgrade the database (and CREDSTACK_HOME with its master secret).

    Safe to run again: a database already at the newest schema is left as it is.
    """
    from credstack.services.operations.database import upgrade_database
    from credstack.settings import load_settings

    settings = load_settings()
    result = upgrade_database(settings)
    if as_json:
        typer.echo(json.dumps({"database": result.database, "migrated": result.migrated}))
        return
    if result.secret_created:
        typer.echo(f"Created the master secret {settings.secret_key_path} (mode 0600).")
    if not result.migrated:
        typer.echo(
            f"Database {result.database} is up to date ({result.to_revision}); nothing to do."
        )
    elif result.from_revision is None:
        typer.echo(f"Created database {result.database} (schema {result.to_revision}).")
    else:
        typer.echo(
            f"Upgraded database {result.database} "
            f"from {result.from_revision} to {result.to_revision}."
        )


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port to listen on."),
    demo: bool = typer.Option(
        False,
        "--demo/--no-demo",
        help="Create or upgrade the database first and, when it is empty, seed demo issuers, "
        "micro-credentials, learners and sign-ins (printed here). A database with data is "
        "never touched. The last of --demo/--no-demo wins (scripts/start passes --demo).",
    ),
) -> None:
    """Run the web app and API (uvicorn) on an initialised database."""
    import uvicorn

    from credstack.app import create_app
    from credstack.core.errors import ConfigurationError
    from credstack.services.operations.database import check_database, unreachable_error
    from credstack.settings import load_settings
    from credstack.store.engine import engine_for

    settings = load_settings()
    if demo:
        from credstack.services.operations.database import upgrade_database

        upgrade_database(settings)
    engine = engine_for(settings)
    health = check_database(engine)
    if health.state == "unreachable":
        engine.dispose()
        raise unreachable_error(settings.effective_database_url, RuntimeError(health.detail))
    if not health.ok:
        engine.dispose()
        raise ConfigurationError(f"the database is {health.state}: run 'credstack init' first")
    if demo:
        _seed_or_show_demo(settings, engine)
        listening = f"http://{host}:{port}"
        if settings.base_url != listening and urlsplit(settings.base_url).port != port:
            typer.echo(
                f"Note: links in credentials use the public base URL {settings.base_url}; "
                f"set CREDSTACK_BASE_URL={listening} before the first start if that is "
                "where people will open them."
            )
    typer.echo(f"Credstack on http://{host}:{port} (public base URL {settings.base_url})")
    # queued e-mails (claim links) go out and status lists are re-signed while it runs
    app = create_app(settings, engine, background=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        engine.dispose()


def _seed_or_show_demo(settings: Settings, engine: Engine) -> None:
    """Seed an empty database and print its sign-ins; otherwise say why nothing was seeded."""
    from credstack.services.context import ServiceContext
    from credstack.services.operations.demo import (
        DemoAccounts,
        database_is_empty,
        load_accounts,
        seed_demo,
    )
    from credstack.store.engine import redact_url, session_factory

    ctx = ServiceContext.from_settings(settings, actor="demo")
    accounts: DemoAccounts | None
    with session_factory(engine)() as session:
        if database_is_empty(session):
            accounts = seed_demo(session, ctx)
            session.commit()
            database = redact_url(settings.effective_database_url)
            typer.echo(f"Seeded the demo into the empty database {database}.")
        else:
            accounts = load_accounts(settings.home)
            typer.echo(
                "The database already has data, so the demo was not seeded (nothing changed)."
            )
    if accounts is None:
        typer.echo("No demo sign-ins are recorded for this CREDSTACK_HOME.")
        return
    for line in accounts.lines(settings.base_url):
        typer.echo(line)
