"""``credstack issuer``: create and list issuers, show, rotate and compromise their keys.

(Who vouches for an issuer, ``issuer verify`` and the domain check, is in
``cli.issuer_trust``, on the same command group.)

Output follows architecture §6: ``--json`` prints one JSON object (``create``) or JSON lines
(``list``, ``keys``, ``rotate-key``, ``compromise-key``), so scripts can rely on it. Every
command runs as one unit of work: it commits when it succeeds, and prints afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from credstack.services.context import ServiceContext
    from credstack.store.models import Organization, SigningKey

issuer_app = typer.Typer(
    name="issuer",
    help="Issuer profiles, their DIDs and signing keys.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (lines) for scripts.")]
SlugArgument = Annotated[str, typer.Argument(help="The issuer's slug (see 'issuer list').")]


def register(app: typer.Typer) -> None:
    """Add the ``issuer`` command group."""
    app.add_typer(issuer_app)


def _issuer_json(ctx: ServiceContext, organization: Organization) -> dict[str, Any]:
    from credstack.services.issuers.profiles import profile_url
    from credstack.services.issuers.trust import trust_of

    trust = trust_of(organization, ctx.now())
    return {
        "slug": organization.slug,
        "name": organization.name,
        "did": organization.did,
        "url": profile_url(ctx, organization),
        "type": organization.type.value,
        "country": organization.country,
        "verified": trust.verified,
        "verified_by": list(trust.how),
        "flagged": trust.flagged_reason,
    }


def _key_json(key: SigningKey) -> dict[str, Any]:
    from credstack.services.issuers.keys import verification_method_id

    return {
        "type": "key",
        "id": key.id,
        "algorithm": key.algorithm.value,
        "state": key.state.value,
        "verification_method": verification_method_id(key),
        "controller": key.controller_did,
        "created_at": key.created_at.isoformat(),
    }


def _echo_lines(lines: list[dict[str, Any]]) -> None:
    for line in lines:
        typer.echo(json.dumps(line))


@issuer_app.command("create")
def create_command(
    name: Annotated[str, typer.Option("--name", help="The organisation's name.")],
    org_type: Annotated[
        str,
        typer.Option(
            "--type", help="university, association, company, training_provider or other."
        ),
    ],
    url: Annotated[str, typer.Option("--url", help="The organisation's web site (http/https).")],
    country: Annotated[
        str, typer.Option("--country", help="ISO 3166-1 alpha-2 country code, e.g. NL.")
    ],
    region: Annotated[str | None, typer.Option("--region", help="Region or state.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Contact e-mail.")] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="A sentence or two about it.")
    ] = None,
    image: Annotated[
        Path | None,
        typer.Option("--image", exists=True, dir_okay=False, help="Logo: PNG, JPEG or SVG."),
    ] = None,
    linkedin_id: Annotated[
        str | None, typer.Option("--linkedin-id", help="LinkedIn organisation id (digits).")
    ] = None,
    slug: Annotated[
        str | None, typer.Option("--slug", help="URL name; derived from --name when absent.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an issuer with its DID and an Ed25519 signing key; the operator vouches for it."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.issuers.profiles import create_issuer, profile_url
    from credstack.services.issuers.trust import verify_issuer

    image_bytes = image.read_bytes() if image is not None else None
    with unit_of_work() as (session, ctx):
        organization = create_issuer(
            session,
            ctx,
            name=name,
            type=org_type,
            url=url,
            country=country,
            region=region,
            email=email,
            description=description,
            image=image_bytes,
            linkedin_organization_id=linkedin_id,
            slug=slug,
        )
        verify_issuer(session, ctx, organization)
        result = {
            "slug": organization.slug,
            "did": organization.did,
            "url": profile_url(ctx, organization),
        }
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"Created issuer {result['slug']} with DID {result['did']}")
    typer.echo(f"Public profile: {result['url']}")


@issuer_app.command("list")
def list_command(as_json: JsonFlag = False) -> None:
    """List every issuer with its DID, public profile URL and trust (verified, flagged)."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.issuers.profiles import list_issuers
    from credstack.services.issuers.trust import trust_of

    with unit_of_work() as (session, ctx):
        issuers = list_issuers(session)
        rows = [_issuer_json(ctx, organization) for organization in issuers]
        labels = [trust_of(organization, ctx.now()).label for organization in issuers]
    if as_json:
        _echo_lines(rows)
        return
    if not rows:
        typer.echo("No issuers yet: create one with 'credstack issuer create'.")
    for row, label in zip(rows, labels, strict=True):
        typer.echo(
            f"{row['slug']}  {row['name']} ({row['type']}, {row['country']})  {row['did']}"
            f"  [{label}]"
        )


@issuer_app.command("keys")
def keys_command(slug: SlugArgument, as_json: JsonFlag = False) -> None:
    """List the issuer's keys, oldest first, with their state."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.issuers.keys import list_keys

    with unit_of_work() as (session, _ctx):
        rows = [_key_json(key) for key in list_keys(session, slug)]
    if as_json:
        _echo_lines(rows)
        return
    for row in rows:
        typer.echo(f"{row['id']}  {row['algorithm']}  {row['state']:<11}  {row['controller']}")


@issuer_app.command("rotate-key")
def rotate_key_command(slug: SlugArgument, as_json: JsonFlag = False) -> None:
    """Retire the active Ed25519 key and create a new one (did:key issuers get a new DID)."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.issuers.keys import list_keys, rotate_key
    from credstack.services.issuers.organizations import organization_by_slug

    with unit_of_work() as (session, ctx):
        before = {key.id: key.state for key in list_keys(session, slug)}
        new_key = rotate_key(session, ctx, slug)
        changed = [_key_json(k) for k in list_keys(session, slug) if before.get(k.id) != k.state]
        did = organization_by_slug(session, slug).did
    if as_json:
        _echo_lines(changed)
        return
    typer.echo(f"New active key {new_key.id}; the issuer's DID is {did}")
    for row in changed:
        if row["id"] != new_key.id:
            typer.echo(f"Retired {row['id']} (credentials it signed keep verifying)")


@issuer_app.command("compromise-key")
def compromise_key_command(
    slug: SlugArgument,
    key_id: Annotated[str, typer.Argument(help="The key's id (see 'issuer keys SLUG').")],
    as_json: JsonFlag = False,
) -> None:
    """Mark a key compromised: what it signed stops verifying (did:key: awards revoked)."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.accounts.users import Principal
    from credstack.services.issuers.keys import list_keys
    from credstack.services.revocation.key_compromise import compromise_key

    with unit_of_work() as (session, ctx):
        before = {key.id: key.state for key in list_keys(session, slug)}
        result = compromise_key(session, ctx, slug, key_id, principal=Principal.operator())
        changed = [_key_json(k) for k in list_keys(session, slug) if before.get(k.id) != k.state]
    revoked = [
        {"type": "award", "id": award_id, "state": "revoked"}
        for award_id in result.revoked_award_ids
    ]
    if as_json:
        _echo_lines(changed + revoked)
        return
    typer.echo(f"Key {key_id} is marked compromised; credentials it signed no longer verify.")
    if result.replacement is not None:
        typer.echo(f"New active key {result.replacement.id} ({result.replacement.controller_did})")
    if revoked:
        typer.echo(f"Revoked {len(revoked)} award(s) signed with it.")


@issuer_app.command("add-rsa-key")
def add_rsa_key_command(slug: SlugArgument, as_json: JsonFlag = False) -> None:
    """Add an RSA key for VC-JWT RS256 (did:web issuers; published as a JsonWebKey)."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.issuers.keys import add_rsa_key

    with unit_of_work() as (session, ctx):
        row = _key_json(add_rsa_key(session, ctx, slug))
    if as_json:
        typer.echo(json.dumps(row))
        return
    typer.echo(f"New active RSA key {row['id']}: {row['verification_method']}")
