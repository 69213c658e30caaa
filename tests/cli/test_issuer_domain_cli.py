"""``credstack issuer domain-linkage`` and ``check-domain`` against a website on loopback.

The issuer's website is a local server; the DID configuration it serves is the one
``domain-linkage`` made, signed with the issuer's real key. Once checked, the issuer's
credentials verify as "verified issuer" under its proven origin.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run
from issuer_trust_helpers import listed, sign_up_organization

from credstack.cli.unit_of_work import unit_of_work
from credstack.services.audit import list_events
from credstack.services.issuers.organizations import organization_by_slug as get_issuer
from credstack.services.verification.local import live_verification
from issued_awards import issue, new_achievement
from loopback_site import LoopbackSite, loopback_site

WELL_KNOWN = "/.well-known/did-configuration.json"


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    with loopback_site() as running:
        yield running


def check_domain(capsys: pytest.CaptureFixture[str], slug: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run(capsys, "issuer", "check-domain", slug, "--allow-http-loopback", "--json")
    assert out, err
    return code, json.loads(out)


def publish_linkage(capsys: pytest.CaptureFixture[str], site: LoopbackSite, slug: str) -> None:
    code, out, err = run(capsys, "issuer", "domain-linkage", slug)
    assert code == 0, err
    site.files[WELL_KNOWN] = out.encode()


def trust_message(slug: str) -> str:
    with unit_of_work() as (session, ctx):
        organization = get_issuer(session, slug)
        award = issue(session, ctx, organization, new_achievement(session, organization))
        check = live_verification(session, ctx, award).check("issuer-trust")
        session.rollback()
    assert check is not None
    return f"{check.status.value}: {check.message}"


def test_a_published_linkage_makes_a_sign_up_a_verified_issuer(
    cli_home: Path, capsys: pytest.CaptureFixture[str], site: LoopbackSite
) -> None:
    sign_up_organization("Open Data Guild", site.origin + "/about", "hi@guild.example", "guild")
    assert trust_message("guild").startswith("warn: signed by did:key:")
    publish_linkage(capsys, site, "guild")
    document = json.loads(site.files[WELL_KNOWN])
    assert document["@context"] == "https://identity.foundation/.well-known/did-configuration/v1"
    assert len(document["linked_dids"]) == 1
    code, row = check_domain(capsys, "guild")
    assert code == 0, row
    assert row["linked"] is True and row["verified"] is True
    proof = f"proved control of {site.origin} (DIF domain linkage)"
    assert row["verified_by"] == [proof]
    assert row["url"] == site.origin + WELL_KNOWN
    assert site.requests == [WELL_KNOWN]
    assert trust_message("guild").startswith("pass: verified issuer Open Data Guild (did:key:")
    assert trust_message("guild").endswith(f"): {proof}")


def test_a_site_that_cannot_be_reached_keeps_the_linkage_a_wrong_file_ends_it(
    cli_home: Path, capsys: pytest.CaptureFixture[str], site: LoopbackSite
) -> None:
    sign_up_organization("Open Data Guild", site.origin, "hi@guild.example", "guild")
    sign_up_organization("Other Body", "https://other.example", "x@other.example", "other")
    publish_linkage(capsys, site, "guild")
    assert check_domain(capsys, "guild")[0] == 0
    del site.files[WELL_KNOWN]
    code, row = check_domain(capsys, "guild")
    assert code == 1
    assert row["linked"] is False and "cannot read" in row["message"]
    assert row["verified"] is True  # a website can be down; the linkage stands
    publish_linkage(capsys, site, "other")  # a configuration for somebody else's DID
    code, row = check_domain(capsys, "guild")
    assert code == 1
    assert "has no Domain Linkage Credential for did:key:" in row["message"]
    assert row["verified"] is False and row["verified_by"] == []
    with unit_of_work() as (session, _ctx):
        kinds = [e.kind for e in list_events(session, kind_prefix="issuer.domain")]
    assert kinds == [
        "issuer.domain_check_failed",
        "issuer.domain_check_failed",
        "issuer.domain_linked",
    ]


def test_a_flagged_lookalike_proves_its_domain_but_stays_unverified(
    cli_home: Path, capsys: pytest.CaptureFixture[str], site: LoopbackSite
) -> None:
    create = [
        *("issuer", "create", "--name", "Northbridge University", "--type", "university"),
        *("--url", "https://northbridge-university.example", "--country", "NL"),
    ]
    assert run(capsys, *create)[0] == 0
    sign_up_organization("Northbridge Universty", site.origin, "a@b.example", "copy")
    publish_linkage(capsys, site, "copy")
    code, row = check_domain(capsys, "copy")
    assert code == 0 and row["linked"] is True
    assert row["verified"] is False and "resembles" in row["flagged"]
    assert listed(capsys)["copy"]["verified"] is False
    assert trust_message("copy").startswith("warn: signed by did:key:")


def test_plain_http_is_refused_without_the_loopback_flag(
    cli_home: Path, capsys: pytest.CaptureFixture[str], site: LoopbackSite
) -> None:
    sign_up_organization("Open Data Guild", site.origin, "hi@guild.example", "guild")
    publish_linkage(capsys, site, "guild")
    code, out, _ = run(capsys, "issuer", "check-domain", "guild", "--json")
    assert code == 1
    assert "cannot read" in json.loads(out)["message"]
    assert site.requests == []


def test_domain_linkage_writes_the_file_to_publish(
    cli_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sign_up_organization("Open Data Guild", "https://guild.example", "hi@guild.example", "guild")
    target = tmp_path / "did-configuration.json"
    code, out, _ = run(capsys, "issuer", "domain-linkage", "guild", "--out", str(target))
    assert code == 0 and "publish it at /.well-known/did-configuration.json" in out
    token = json.loads(target.read_text())["linked_dids"][0]
    assert token.count(".") == 2
