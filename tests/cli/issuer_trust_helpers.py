"""Helpers of the issuer-trust CLI tests: the list as JSON, a sign-up's organisation, events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cli_runner import run

from credstack.cli.unit_of_work import unit_of_work
from credstack.services.accounts import authz
from credstack.services.accounts import users as accounts
from credstack.services.accounts.users import Principal
from credstack.services.audit import list_events


def listed(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, Any]]:
    code, out, _ = run(capsys, "issuer", "list", "--json")
    assert code == 0
    return {row["slug"]: row for row in map(json.loads, out.splitlines())}


def sign_up_organization(name: str, url: str, email: str, slug: str) -> None:
    """What the web sign-up does: a person's account, then an organisation it owns."""
    with unit_of_work(actor="web") as (session, ctx):
        user = accounts.sign_up(
            session, ctx, email=f"owner-{slug}@mail.example", name="Mallory", password="x" * 12
        )
        authz.create_organization(
            session,
            ctx,
            Principal(user_id=user.id),
            name=name,
            type="university",
            url=url,
            country="NL",
            email=email,
            slug=slug,
        )


def events_of(kind: str) -> list[dict[str, Any]]:
    with unit_of_work() as (session, _ctx):
        return [dict(event.data) for event in list_events(session, kind_prefix=kind)]
