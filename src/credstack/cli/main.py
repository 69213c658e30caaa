"""The ``credstack`` command: a Typer app whose command modules register themselves.

Start-up must stay fast (``credstack --help`` in under half a second), so this module
imports only Typer; heavy libraries (SQLAlchemy, FastAPI, pyld, cryptography, services)
are imported inside the command functions. A command module exposes
``register(app: typer.Typer) -> None``; adding one is one line in
:data:`COMMAND_MODULES`.

:func:`main` is the error boundary: a :class:`CredstackError` (or a database that cannot
be reached) becomes one red line on stderr and an exit code (2 for unusable input, 1
otherwise), never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

from credstack import __version__
from credstack.core.errors import CredstackError, InputError

#: command modules, each with ``register(app)`` (add one line per command group)
COMMAND_MODULES: tuple[str, ...] = (
    "credstack.cli.system",
    "credstack.cli.verify",
    "credstack.cli.keys",
    "credstack.cli.issuer",
    "credstack.cli.issuer_trust",
    "credstack.cli.achievement",
    "credstack.cli.award",
    "credstack.cli.operator",
    "credstack.cli.skills",
    "credstack.cli.registry",
    "credstack.cli.token",
)

app = typer.Typer(
    name="credstack",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help and usage errors: rendering them with rich imports ~0.2 s of modules,
    # which alone would break the 0.5 s budget of `credstack --help`.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"credstack {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """Credstack: issue, stack, share and verify Open Badges 3.0 micro-credentials.

    Settings come from the environment: CREDSTACK_HOME, CREDSTACK_DATABASE_URL,
    CREDSTACK_BASE_URL, CREDSTACK_SECRET_KEY, CREDSTACK_SMTP_URL.
    """


for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def fail(message: str) -> None:
    """Print one red error line on stderr (used by :func:`main` and by commands)."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)


def _database_url_for_message() -> str:
    try:
        from credstack.settings import load_settings
        from credstack.store.engine import redact_url

        return redact_url(load_settings().effective_database_url)
    except CredstackError:
        return "CREDSTACK_DATABASE_URL"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code instead of exiting (tests call this)."""
    try:
        # Standalone mode: Typer prints usage errors itself and exits 2 (architecture §6).
        app(args=list(argv) if argv is not None else None, prog_name="credstack")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except CredstackError as exc:
        fail(exc.message.splitlines()[0] if exc.message else type(exc).__name__)
        return 2 if isinstance(exc, InputError) else 1
    except KeyboardInterrupt:
        fail("interrupted")
        return 130
    except Exception as exc:
        if type(exc).__module__.startswith("sqlalchemy") and type(exc).__name__ == (
            "OperationalError"
        ):
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            detail = reason[0] if reason else "connection failed"
            fail(f"cannot reach the database at {_database_url_for_message()}: {detail}")
            return 1
        first_line = (str(exc).strip().splitlines() or [""])[0]
        fail(f"unexpected {type(exc).__name__}: {first_line}")
        return 1
    return 0


def run() -> None:
    """Console-script entry point (``credstack``)."""
    sys.exit(main())
