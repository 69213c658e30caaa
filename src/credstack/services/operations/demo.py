"""Seed an empty database with a demo people can click through (``credstack serve --demo``).

Everything goes through the real services: issuers get their DIDs and keys, the
micro-credentials are published with the EU checks, awards are signed and take status-list
entries, and the revoked award is revoked through :mod:`credstack.services.revocation.revoke`.
Seeding only ever happens on an EMPTY database (no organisation, user or award): a database
with data is refused with :class:`ConflictError`, so the demo can never overwrite anyone's
records. The generated passwords are printed at start-up and kept in
``CREDSTACK_HOME/demo-accounts.json`` (mode 0600) so a later start can print them again.
"""

from __future__ import annotations

import json
import os
import string
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credstack.core.achievement import definition_from_mapping
from credstack.core.award_request import AwardInput, require_award
from credstack.core.errors import ConflictError
from credstack.services.accounts import authz
from credstack.services.accounts import users as accounts
from credstack.services.accounts.users import Principal
from credstack.services.achievements import lifecycle as achievements
from credstack.services.context import ServiceContext
from credstack.services.issuers import trust
from credstack.services.issuing.awards import issue_batch, prepare_issuance
from credstack.services.issuing.listing import get_award
from credstack.services.operations.demo_catalogue import ISSUERS, LEARNERS, REVOKED
from credstack.services.revocation import revoke as revocation
from credstack.store.models import Award, AwardState, Learner, LearnerEmail, Organization, User

DEMO_ACCOUNTS_FILE = "demo-accounts.json"
_PASSWORD_ALPHABET = string.ascii_letters + string.digits
_PASSWORD_LENGTH = 16


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in: who it is for, and the password generated for it."""

    role: str
    name: str
    email: str
    password: str


@dataclass(frozen=True)
class DemoAccounts:
    """What seeding made: the sign-ins to print, and ids the tour (and tests) point at."""

    accounts: tuple[DemoAccount, ...]
    issuer_slugs: tuple[str, ...]
    achievement_ids: tuple[str, ...]
    award_ids: tuple[str, ...]
    revoked_award_id: str

    def lines(self, base_url: str) -> list[str]:
        """The start-up banner: where to go and how to sign in."""
        lines = ["Demo accounts (passwords generated for this database):"]
        lines += [f"  {a.role:<13} {a.email}  password: {a.password}" for a in self.accounts]
        lines += [
            f"  Open {base_url}/ and sign in; employers verify at {base_url}/verify",
            f"  A revoked credential: {base_url}/credentials/{self.revoked_award_id}",
        ]
        return lines


ISSUER_ADMIN = DemoAccount(
    "issuer admin", "Sofia Janssen", "admin@northbridge-university.example", ""
)
LEARNER_ACCOUNT_EMAIL = LEARNERS[0].email


def database_is_empty(session: Session) -> bool:
    """True when there is no organisation, user or award: the only state seeding accepts."""
    return all(
        session.scalar(select(func.count()).select_from(model)) == 0
        for model in (Organization, User, Award)
    )


def seed_demo(session: Session, ctx: ServiceContext) -> DemoAccounts:
    """Create the demo issuers, micro-credentials, learners, awards and sign-ins.

    Raises ``ConflictError`` (and changes nothing) when the database already has data.
    The caller commits.
    """
    if not database_is_empty(session):
        raise ConflictError(
            "the database already has organisations, users or awards; the demo is only "
            "seeded into an empty database (use a new CREDSTACK_HOME or CREDSTACK_DATABASE_URL)"
        )
    admin = _with_password(ctx, ISSUER_ADMIN)
    admin_user = accounts.sign_up(
        session, ctx, email=admin.email, name=admin.name, password=admin.password
    )
    by_name: dict[str, str] = {}
    operator = Principal.operator()  # seeding is the operator's act (``credstack serve --demo``)
    for demo_issuer in ISSUERS:
        organization = authz.create_organization(
            session,
            ctx,
            Principal(user_id=admin_user.id),
            name=demo_issuer.name,
            type=demo_issuer.type,
            url=demo_issuer.url,
            country=demo_issuer.country,
            region=demo_issuer.region,
            email=demo_issuer.email,
            description=demo_issuer.description,
            linkedin_organization_id=demo_issuer.linkedin_organization_id,
            slug=demo_issuer.slug,
        )
        trust.verify_issuer(session, ctx, organization)  # the operator seeds the demo
        for definition in demo_issuer.definitions:
            created = achievements.create_achievement(
                session,
                ctx,
                issuer_slug=demo_issuer.slug,
                definition=definition_from_mapping(definition),
                # drawn instantly; a PNG badge is pure-Python pixel work (~1 s each), and
                # /healthz must answer within 20 s of the first start
                default_image_format="svg",
                principal=operator,
            )
            achievements.publish(session, ctx, created.id, principal=operator)
            by_name[created.name] = created.id
    award_ids = _issue_awards(session, ctx, by_name)
    revoked_email, revoked_name, reason = REVOKED
    revoked_id = award_ids[(revoked_email, revoked_name)]
    revocation.revoke(session, ctx, revoked_id, reason, principal=operator)
    _accept_all(session, ctx, [a for a in award_ids.values() if a != revoked_id])
    learner = _with_password(ctx, DemoAccount("learner", LEARNERS[0].name, LEARNERS[0].email, ""))
    learner_user = accounts.sign_up(
        session, ctx, email=learner.email, name=learner.name, password=learner.password
    )
    _link_learner(session, learner_user)
    result = DemoAccounts(
        accounts=(admin, learner),
        issuer_slugs=tuple(i.slug for i in ISSUERS),
        achievement_ids=tuple(by_name.values()),
        award_ids=tuple(award_ids.values()),
        revoked_award_id=revoked_id,
    )
    save_accounts(ctx.home, result)
    return result


def _with_password(ctx: ServiceContext, account: DemoAccount) -> DemoAccount:
    password = "".join(ctx.rng.choice(_PASSWORD_ALPHABET) for _ in range(_PASSWORD_LENGTH))
    return DemoAccount(account.role, account.name, account.email, password)


def _issue_awards(
    session: Session, ctx: ServiceContext, achievement_ids: dict[str, str]
) -> dict[tuple[str, str], str]:
    """Every learner's awards, issued on dates spread over the past months."""
    result: dict[tuple[str, str], str] = {}
    now = ctx.now()
    for number, (name, achievement_id) in enumerate(achievement_ids.items()):
        earners = [learner for learner in LEARNERS if name in learner.earned]
        issued = _issue_date(now, number)
        requests = [
            require_award(AwardInput(email=e.email, name=e.name, issued=issued), now=now)
            for e in earners
        ]
        batch = issue_batch(session, ctx, prepare_issuance(session, ctx, achievement_id), requests)
        for earner, award_id in zip(earners, batch.award_ids, strict=True):
            result[(earner.email, name)] = award_id
    return result


def _issue_date(now: datetime, number: int) -> datetime:
    """A plausible past issue date, a few weeks apart per micro-credential."""
    return (now - timedelta(days=30 + 23 * number)).replace(microsecond=0)


def _link_learner(session: Session, user: User) -> None:
    """The learner account owns the learner record its e-mail address was awarded to."""
    record = session.scalars(
        select(Learner).join(LearnerEmail).where(LearnerEmail.email == user.email)
    ).one()
    record.user_id = user.id
    session.flush()


def _accept_all(session: Session, ctx: ServiceContext, award_ids: list[str]) -> None:
    """The learners have accepted these awards and show them on public pages."""
    for award_id in award_ids:
        award = get_award(session, award_id)
        if award.state is AwardState.ISSUED:
            award.state = AwardState.ACCEPTED
            award.claimed_at = ctx.now()
            award.public = True
    session.flush()


def save_accounts(home: Path, accounts: DemoAccounts) -> Path:
    """Keep the generated sign-ins next to the database, readable by the owner only."""
    path = home / DEMO_ACCOUNTS_FILE
    home.mkdir(parents=True, exist_ok=True)
    data = json.dumps(
        {
            "accounts": [asdict(a) for a in accounts.accounts],
            "issuer_slugs": list(accounts.issuer_slugs),
            "achievement_ids": list(accounts.achievement_ids),
            "award_ids": list(accounts.award_ids),
            "revoked_award_id": accounts.revoked_award_id,
        },
        indent=2,
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(data)
    return path


def load_accounts(home: Path) -> DemoAccounts | None:
    """The sign-ins saved by an earlier seeding of this CREDSTACK_HOME, if any."""
    path = home / DEMO_ACCOUNTS_FILE
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return DemoAccounts(
        accounts=tuple(DemoAccount(**a) for a in data["accounts"]),
        issuer_slugs=tuple(data["issuer_slugs"]),
        achievement_ids=tuple(data["achievement_ids"]),
        award_ids=tuple(data["award_ids"]),
        revoked_award_id=data["revoked_award_id"],
    )
