"""Fixtures shared by the award tests: a published example achievement, a verifier.

The status lists a credential points at are served from the same database by
``services.status.lists.publish``, so the verification is the real one, status included.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from credstack.core.errors import FetchError
from credstack.core.verify import VerifyOptions, verify
from credstack.services.achievements import lifecycle as achievements
from credstack.services.context import ServiceContext
from credstack.services.issuers.profiles import create_issuer
from credstack.services.status.lists import publish
from credstack.store.models import Award

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "micro-credential.yaml"
MASTER = b"award-tests-master-secret-0123456789abcd"
START = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def ticking_clock() -> Callable[[], datetime]:
    ticks = itertools.count()
    return lambda: START + timedelta(seconds=next(ticks))


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return ServiceContext(
        base_url="http://127.0.0.1:8000", master_secret=MASTER, home=tmp_path, clock=ticking_clock()
    )


@pytest.fixture
def achievement_id(db: Session, ctx: ServiceContext) -> str:
    organization = create_issuer(
        db,
        ctx,
        name="Example University",
        type="university",
        url="https://www.example-university.eu",
        country="NL",
        region="Noord-Holland",
    )
    draft = achievements.create_achievement(
        db, ctx, issuer_slug=organization.slug, definition=EXAMPLE.read_text(encoding="utf-8")
    )
    return achievements.publish(db, ctx, draft.id).id


def verify_award(db: Session, ctx: ServiceContext, award: Award) -> dict[str, str]:
    """Check id → status of the stored credential, status lists served from ``db``.

    The list is fetched when the verifier asks (at its time, a month on), so it is signed
    afresh then: a list signed a month earlier would have lapsed (``validUntil``).
    """
    prefix = ctx.url("/status/")
    verified_at = START + timedelta(days=30)
    server = replace(ctx, clock=lambda: verified_at)

    def fetch(url: str) -> bytes:
        if not url.startswith(prefix):
            raise FetchError(f"{url} is not served by this test")
        return publish(db, server, url.removeprefix(prefix)).encode("utf-8")

    report = verify(
        award.credential,
        input_name=award.id,
        options=VerifyOptions(now=verified_at, fetch=fetch),
    )
    return {check.id: check.status.value for check in report.checks} | {
        "verified": str(report.verified)
    }
