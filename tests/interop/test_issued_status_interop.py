"""Awards issued by the services, with the status lists Credstack publishes, in vc.js.

The core interop tests sign hand-built documents; this one takes the real path: an
issuer and the example micro-credential published through the services, an award from
``services.issuing.awards``, its list from
``services.status.lists.publish``, a revocation from
``services.revocation.revoke``. The JavaScript reference must read the same bit Credstack
set, including for a did:key issuer that rotated (the old credentials' list is signed by the
old DID).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from js_reference import JsReference
from sqlalchemy.orm import Session

from credstack.services.achievements import lifecycle as achievements
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import rotate_key
from credstack.services.issuing.awards import issue_award
from credstack.services.revocation.revoke import revoke
from credstack.services.status.lists import publish
from credstack.store.models import Award
from issued_awards import make_context, new_issuer

pytestmark = pytest.mark.interop

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"
NOW = "2026-06-01T00:00:00Z"


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return make_context(tmp_path)


def _published(db: Session, ctx: ServiceContext, slug: str) -> str:
    org = new_issuer(db, ctx, slug=slug)
    draft = achievements.create_achievement(
        db, ctx, issuer_slug=org.slug, definition=EXAMPLE.read_text(encoding="utf-8")
    )
    return achievements.publish(db, ctx, draft.id).id


def _js_status(
    js: JsReference, db: Session, ctx: ServiceContext, award: Award
) -> tuple[bool, dict[str, Any] | None, list[Any]]:
    credential = json.loads(award.credential)
    list_url = credential["credentialStatus"]["statusListCredential"]
    # vc.js checks a status list's validity against its own clock, not the `now` it is
    # given: serve the list as a fetch right now would (signed now, valid for a day)
    served_now = replace(ctx, clock=lambda: datetime.now(UTC))
    status_list = json.loads(publish(db, served_now, list_url.rsplit("/", 1)[1]))
    result = js.verify(credential, documents={list_url: status_list}, now=NOW)
    return result.verified, result.status, result.errors


def test_reference_reads_the_published_list_before_and_after_a_revocation(
    js: JsReference, db: Session, ctx: ServiceContext
) -> None:
    achievement_id = _published(db, ctx, "uni")
    kept, revoked = (
        issue_award(db, ctx, achievement_id=achievement_id, email=email, name="Ada Lovelace").award
        for email in ("ada@example.org", "bob@example.org")
    )
    verified, status, errors = _js_status(js, db, ctx, revoked)
    assert verified, errors
    assert status is not None and status["checked"] and not status["revoked"]

    revoke(db, ctx, revoked.id, "issued in error")

    verified, status, errors = _js_status(js, db, ctx, revoked)
    assert not verified
    assert status is not None and status["checked"] and status["revoked"]
    index = json.loads(revoked.credential)["credentialStatus"]["statusListIndex"]
    assert status["entries"] == [
        {"statusPurpose": "revocation", "statusListIndex": index, "set": True}
    ]
    verified, status, errors = _js_status(js, db, ctx, kept)  # same list, other bit
    assert verified, errors


def test_reference_accepts_the_old_did_list_after_a_did_key_rotation(
    js: JsReference, db: Session, ctx: ServiceContext
) -> None:
    achievement_id = _published(db, ctx, "rotating")
    before = issue_award(
        db, ctx, achievement_id=achievement_id, email="ada@example.org", name="Ada"
    ).award
    rotate_key(db, ctx, "rotating")
    after = issue_award(
        db, ctx, achievement_id=achievement_id, email="bob@example.org", name="Bob"
    ).award
    assert (
        json.loads(before.credential)["issuer"]["id"]
        != json.loads(after.credential)["issuer"]["id"]
    )
    revoke(db, ctx, before.id, "withdrawn")
    verified, status, _ = _js_status(js, db, ctx, before)
    assert not verified and status is not None and status["checked"] and status["revoked"]
    verified, status, errors = _js_status(js, db, ctx, after)
    assert verified, errors


def test_reference_refuses_a_list_past_its_valid_until(
    js: JsReference, db: Session, ctx: ServiceContext
) -> None:
    """A list saved long ago lapses for vc.js too (for Credstack: test_status_list_lifetime)."""
    achievement_id = _published(db, ctx, "old")
    award = issue_award(db, ctx, achievement_id=achievement_id, email="a@x.org", name="Ada").award
    credential = json.loads(award.credential)
    list_url = credential["credentialStatus"]["statusListCredential"]
    long_ago = replace(ctx, clock=lambda: datetime.now(UTC) - timedelta(days=2))
    saved = json.loads(publish(db, long_ago, list_url.rsplit("/", 1)[1]))
    result = js.verify(credential, documents={list_url: saved}, now=NOW)
    assert not result.verified
    assert any("validUntil" in str(error) for error in result.errors), result.errors
