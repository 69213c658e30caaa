"""``credstack issuer verify|unverify|check-domain|domain-linkage``: who vouches for an issuer.

These commands hang on the ``issuer`` group of ``cli.issuer``. ``verify`` and
``unverify`` are the operator's word (``services.issuers.trust``); ``check-domain``
fetches the issuer's DIF DID configuration and records a proven domain
(``services.issuers.domain_linkage``); ``domain-linkage`` prints the file the issuer
publishes on its website to prove it. ``--json`` prints one JSON object per issuer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from credstack.cli.issuer import JsonFlag, issuer_app

if TYPE_CHECKING:
    from datetime import datetime

    from credstack.store.models import Organization

OptionalSlug = Annotated[
    str | None, typer.Argument(help="The issuer's slug (see 'issuer list').", show_default=False)
]


def register(app: typer.Typer) -> None:
    """The commands live on ``issuer_app``, which ``cli.issuer`` already added to ``app``."""
    issuer_app.command("verify")(verify_command)
    issuer_app.command("unverify")(unverify_command)
    issuer_app.command("check-domain")(check_domain_command)
    issuer_app.command("domain-linkage")(domain_linkage_command)


def _trust_json(organization: Organization, now: datetime) -> dict[str, Any]:
    from credstack.services.issuers.trust import trust_of

    trust = trust_of(organization, now)
    return {
        "slug": organization.slug,
        "verified": trust.verified,
        "verified_by": list(trust.how),
        "flagged": trust.flagged_reason,
    }


def _echo(rows: list[dict[str, Any]], as_json: bool, texts: list[str]) -> None:
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    for text in texts:
        typer.echo(text)


def verify_command(
    slug: OptionalSlug = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Vouch for every issuer not yet verified, except flagged ones "
            "(the upgrade step after 0004_issuer_trust).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Vouch for an issuer as the operator: its credentials then show "verified issuer".

    A flagged issuer (a lookalike of a verified one, or unverified earlier) is verified
    only when named here; --all leaves it held.
    """
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.issuers.organizations import organization_by_slug as get_issuer
    from credstack.services.issuers.trust import verify_all, verify_issuer

    if (slug is None) == (not every):
        raise typer.BadParameter("give an issuer's SLUG or --all (not both)")
    with unit_of_work() as (session, ctx):
        if slug is not None:
            organization = get_issuer(session, slug)
            changed = verify_issuer(session, ctx, organization)
            rows = [_trust_json(organization, ctx.now())]
            texts = [
                f"Issuer {slug} is verified by the operator"
                + ("" if changed else " (it already was)")
            ]
        else:
            result = verify_all(session, ctx)
            rows = [_trust_json(org, ctx.now()) for org in (*result.verified, *result.held)]
            texts = [f"Verified {org.slug}" for org in result.verified]
            texts += [
                f"Left {org.slug} unverified: flagged ({org.flagged_reason}); "
                f"verify it with 'credstack issuer verify {org.slug}' if it is genuine"
                for org in result.held
            ]
            if not texts:
                texts = ["Every issuer is already verified by the operator."]
    _echo(rows, as_json, texts)


def unverify_command(
    slug: Annotated[str, typer.Argument(help="The issuer's slug (see 'issuer list').")],
    as_json: JsonFlag = False,
) -> None:
    """Withdraw every vouch for an issuer and hold it until 'issuer verify SLUG'."""
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.issuers.organizations import organization_by_slug as get_issuer
    from credstack.services.issuers.trust import unverify_issuer

    with unit_of_work() as (session, ctx):
        organization = get_issuer(session, slug)
        unverify_issuer(session, ctx, organization)
        row = _trust_json(organization, ctx.now())
    _echo([row], as_json, [f"Issuer {slug} is unverified and held: {row['flagged']}"])


def check_domain_command(
    slug: Annotated[str, typer.Argument(help="The issuer's slug (see 'issuer list').")],
    allow_http_loopback: Annotated[
        bool,
        typer.Option(
            "--allow-http-loopback",
            help="Allow plain http to 127.0.0.1/localhost (for testing a local website).",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Check the DIF DID configuration on the issuer's website and record the linkage.

    Exit code 0 when the website's origin is linked to the issuer's DID, 1 when not.
    """
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.core.fetching import FetchPolicy
    from credstack.services.issuers.domain_linkage import check_domain
    from credstack.services.issuers.organizations import organization_by_slug as get_issuer
    from credstack.services.verification.fetcher import HttpFetcher

    with unit_of_work() as (session, ctx):
        organization = get_issuer(session, slug)
        network = HttpFetcher(
            FetchPolicy(allow_http_loopback=allow_http_loopback), what="DID configuration"
        )
        result = check_domain(session, ctx, organization, fetch=network)
        row = {"url": result.url, "linked": result.linkage.linked}
        row |= {"message": result.linkage.message} | _trust_json(organization, ctx.now())
    texts = [result.linkage.message, f"Issuer {slug}: {result.trust.label}"]
    _echo([row], as_json, texts)
    if not result.linkage.linked:
        raise typer.Exit(1)


def domain_linkage_command(
    slug: Annotated[str, typer.Argument(help="The issuer's slug (see 'issuer list').")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the file here instead of printing it."),
    ] = None,
) -> None:
    """Print the did-configuration.json the issuer publishes to prove its website.

    Put it at /.well-known/did-configuration.json on the origin of the issuer's url,
    then run 'credstack issuer check-domain SLUG'. It is valid for one year.
    """
    from credstack.cli.unit_of_work import unit_of_work
    from credstack.services.issuers.domain_linkage import issuer_configuration
    from credstack.services.issuers.organizations import organization_by_slug as get_issuer

    with unit_of_work() as (session, ctx):
        document = issuer_configuration(session, ctx, get_issuer(session, slug))
    text = json.dumps(document, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote {out}: publish it at /.well-known/did-configuration.json on your website")
