"""``credstack award``: issue one award or a whole CSV (design §6).

``award_manage`` adds ``revoke``, ``export``, ``list`` and ``correct`` onto the same
:data:`award_app`. Heavy imports stay inside the command functions so ``credstack
--help`` stays instant.
"""

from __future__ import annotations

import typer

award_app = typer.Typer(
    name="award",
    help="Issue, list, revoke and export awards (signed credentials).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``award`` command group."""
    app.add_typer(award_app)


from credstack.cli import award_manage  # noqa: E402  (commands defined there, registered here)

award_app.command("list")(award_manage.list_command)
award_app.command("revoke")(award_manage.revoke_command)
award_app.command("export")(award_manage.export_command)
award_app.command("correct")(award_manage.correct_command)
