"""The demo seed: real issuers, published EU micro-credentials, verifiable awards, one revoked."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credstack.core.achievement import definition_from_mapping, missing_eu_elements
from credstack.core.errors import AuthenticationError, ConflictError, FetchError
from credstack.core.verify import VerifyOptions, verify
from credstack.services.accounts import users as accounts
from credstack.services.context import ServiceContext
from credstack.services.operations.demo import (
    DEMO_ACCOUNTS_FILE,
    database_is_empty,
    load_accounts,
    seed_demo,
)
from credstack.services.operations.demo_catalogue import ISSUERS, LEARNERS, REVOKED
from credstack.services.status.lists import publish
from credstack.store.models import (
    Achievement,
    AchievementState,
    Award,
    AwardState,
    Learner,
    Organization,
    Role,
)
from fixture_paths import esco_skill_labels
from issued_awards import START, make_context, new_issuer


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return make_context(tmp_path / "home")


def _verify(db: Session, ctx: ServiceContext, award: Award) -> dict[str, str]:
    prefix = ctx.url("/status/")

    def fetch(url: str) -> bytes:
        if not url.startswith(prefix):
            raise FetchError(f"{url} is not served by this test")
        return publish(db, ctx, url.removeprefix(prefix)).encode("utf-8")

    report = verify(
        award.credential,
        input_name=award.id,
        options=VerifyOptions(now=START + timedelta(days=1), fetch=fetch),
    )
    return {check.id: check.status.value for check in report.checks} | {
        "verified": str(report.verified)
    }


def test_every_demo_definition_is_a_complete_eu_micro_credential_with_esco_skills() -> None:
    names = [d["name"] for issuer in ISSUERS for d in issuer.definitions]
    assert 5 <= len(names) <= 8
    assert len(set(names)) == len(names)
    assert {issuer.type for issuer in ISSUERS} == {"university", "association", "company"}
    for issuer in ISSUERS:
        for definition in issuer.definitions:
            defn = definition_from_mapping(definition)
            assert defn.eu_micro_credential
            assert missing_eu_elements(defn, issuer_country=issuer.country) == []
            uris = [s["esco"] for s in definition["skills"]]
            assert uris and all(u.startswith("http://data.europa.eu/esco/skill/") for u in uris)


def test_demo_skills_are_real_esco_concepts_with_their_published_labels() -> None:
    """The catalogue's skill URIs and labels were copied from ESCO by hand; check each one."""
    labels = esco_skill_labels()
    skills = [s for issuer in ISSUERS for d in issuer.definitions for s in d["skills"]]
    assert len(skills) >= len(ISSUERS) * 2
    for skill in skills:
        assert labels.get(skill["esco"]) == skill["label"], skill["esco"]


def test_seed_creates_issuers_published_credentials_and_verifiable_awards(
    db: Session, ctx: ServiceContext
) -> None:
    assert database_is_empty(db)

    seeded = seed_demo(db, ctx)

    organizations = db.scalars(select(Organization)).all()
    assert {o.slug for o in organizations} == set(seeded.issuer_slugs)
    assert all(o.description and o.email and o.region and o.did for o in organizations)
    states = db.scalars(select(Achievement.state)).all()
    assert states and set(states) == {AchievementState.PUBLISHED}
    awards = db.scalars(select(Award)).all()
    assert len(awards) == sum(len(learner.earned) for learner in LEARNERS)
    assert {a.id for a in awards} == set(seeded.award_ids)
    revoked = [a for a in awards if a.state is AwardState.REVOKED]
    assert [a.id for a in revoked] == [seeded.revoked_award_id]
    assert revoked[0].recipient_email == REVOKED[0]
    assert revoked[0].revocation_reason == REVOKED[2]
    accepted = [a for a in awards if a.state is AwardState.ACCEPTED]
    assert len(accepted) == len(awards) - 1
    assert {a.recipient_email for a in accepted} == {learner.email for learner in LEARNERS}
    assert all(a.public and a.claimed_at is not None for a in accepted)
    for award in awards:
        checks = _verify(db, ctx, award)
        if award.state is AwardState.REVOKED:
            assert checks["verified"] == "False"
            assert checks["status"] == "fail"
        else:
            assert checks["verified"] == "True", checks


def test_seeded_sign_ins_work_and_the_admin_owns_every_demo_issuer(
    db: Session, ctx: ServiceContext
) -> None:
    seeded = seed_demo(db, ctx)

    admin, learner = seeded.accounts
    admin_user = accounts.sign_in(db, email=admin.email, password=admin.password)
    roles = {org.slug: role for org, role in accounts.memberships(db, admin_user.id)}
    assert roles == dict.fromkeys(seeded.issuer_slugs, Role.OWNER)
    learner_user = accounts.sign_in(db, email=learner.email, password=learner.password)
    assert accounts.memberships(db, learner_user.id) == []
    record = db.scalars(select(Learner).where(Learner.user_id == learner_user.id)).one()
    earned = db.scalars(select(Award).where(Award.learner_id == record.id)).all()
    assert {a.recipient_email for a in earned} == {learner.email}
    assert len(earned) == len(LEARNERS[0].earned)
    assert all(a.state is AwardState.ACCEPTED and a.public for a in earned)
    assert admin.password != learner.password and len(admin.password) >= 16
    with pytest.raises(AuthenticationError):
        accounts.sign_in(db, email=admin.email, password=learner.password)


def test_seed_keeps_the_sign_ins_for_the_owner_only(db: Session, ctx: ServiceContext) -> None:
    seeded = seed_demo(db, ctx)

    path = ctx.home / DEMO_ACCOUNTS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_accounts(ctx.home) == seeded


def test_seed_refuses_a_database_with_data_and_changes_nothing(
    db: Session, ctx: ServiceContext
) -> None:
    new_issuer(db, ctx, slug="someone-else")
    before = db.scalar(select(func.count()).select_from(Organization))

    with pytest.raises(ConflictError, match="empty database"):
        seed_demo(db, ctx)

    assert db.scalar(select(func.count()).select_from(Organization)) == before
    assert not (ctx.home / DEMO_ACCOUNTS_FILE).exists()
