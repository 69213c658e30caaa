"""``credstack token create|list|revoke``: API tokens for operators and scripts.

A token made here belongs to an organisation with no person behind it: it acts for the
organisation within its scopes (``read``, ``award``, ``admin``), so a script needs no
web account. Its text is printed once, by ``create``, and never again (only a hash is
stored). ``--json``: ``create`` prints ``{"id", "token", "scopes"}``, ``list`` JSON lines.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from credstack.store.models import ApiToken, Organization

token_app = typer.Typer(
    name="token",
    help="API tokens of an organisation, with no person behind them.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (lines) for scripts.")]


def register(app: typer.Typer) -> None:
    """Add the ``token`` command group."""
    app.add_typer(token_app)


def _token_json(token: ApiToken, organization: Organization) -> dict[str, Any]:
    return {
        "id": token.id,
        "issuer": organization.slug,
        "name": token.name,
        "scopes": list(token.scopes),
        "made_by": "operator" if token.made_by_operator else "person",
        "created": token.created_at.isoformat(),
        "last_used": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked": token.revoked_at.isoformat() if token.revoked_at else None,
    }


@token_app.command("create")
def create_command(
    issuer: Annotated[str, typer.Option("--issuer", help="The issuer's slug.")],
    scopes: Annotated[
        list[str],
        typer.Option("--scope", help="read, award or admin (repeat for several)."),
    ],
    name: Annotated[
        str, typer.Option("--name", help="What the token is for, e.g. 'LMS integration'.")
    ] = "created with the CLI",
    as_json: JsonFlag = False,
) -> None:
    """Create an organisation token and print it once (store it safely: it is not kept)."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.accounts.tokens import create_organization_token
    from credstack.services.issuers.organizations import organization_by_slug as get_issuer

    with unit_of_work() as (session, ctx):
        new = create_organization_token(
            session, ctx, get_issuer(session, issuer), name=name, scopes=scopes
        )
        result = {"id": new.token.id, "token": new.secret, "scopes": list(new.token.scopes)}
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"Created token {result['id']} for {issuer} ({', '.join(result['scopes'])}):")
    typer.echo(result["token"])
    typer.echo("It is shown only now. Send it as 'Authorization: Bearer <token>'.")


@token_app.command("list")
def list_command(
    issuer: Annotated[
        str | None, typer.Option("--issuer", help="Only this issuer's tokens.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List tokens (never their text), newest first, with who made them and their state."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.accounts.tokens import all_tokens
    from credstack.services.issuers.organizations import organization_by_slug as get_issuer

    with unit_of_work() as (session, _ctx):
        organization = get_issuer(session, issuer) if issuer is not None else None
        rows = [_token_json(token, org) for token, org in all_tokens(session, organization)]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    if not rows:
        typer.echo("No tokens yet: create one with 'credstack token create'.")
    for row in rows:
        state = f"revoked {row['revoked']}" if row["revoked"] else "active"
        typer.echo(
            f"{row['id']}  {row['issuer']}  {','.join(row['scopes'])}  {state}"
            f"  by {row['made_by']}  {row['name']}"
        )


@token_app.command("revoke")
def revoke_command(
    token_id: Annotated[str, typer.Argument(help="The token's id (see 'token list').")],
    as_json: JsonFlag = False,
) -> None:
    """Stop a token from working at once (any organisation's, a person's too)."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.accounts.tokens import revoke_any_token

    with unit_of_work() as (session, ctx):
        token = revoke_any_token(session, ctx, token_id)
        row = {
            "id": token.id,
            "revoked": token.revoked_at.isoformat() if token.revoked_at else None,
        }
    if as_json:
        typer.echo(json.dumps(row))
        return
    typer.echo(f"Revoked token {token_id}: it no longer works")
