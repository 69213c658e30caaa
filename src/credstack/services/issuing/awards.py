"""Issuing awards: one credential, or a batch of them, signed and stored exactly as signed.

One code path for both: :func:`issue_award` is a batch of one. A batch costs a fixed
number of statements whatever its size (existing awards, learners, status indexes, then
bulk inserts), so ``award bulk`` spends its time signing, not waiting on the database.

Rules (architecture §2, issue 4):

* the award passes the one rule set every door shares
  (:func:`credstack.core.award_request.check_award`) before anything is read or signed;
* only a *published* achievement version is awarded; the credential embeds its OB 3.0
  JSON exactly as published;
* idempotent on (achievement lineage, e-mail, external id): asking again returns the
  award already issued (``created=False``) instead of signing a second credential;
* the learner is found or created by e-mail; their DID, when they have one, becomes the
  subject ``id``;
* ``validUntil`` is the request's ``expires``, else issue date + the achievement's
  validity period, else absent;
* the credential is serialised once with ``json.dumps`` and that text is stored and
  served for ever; nothing re-serialises it (the proof covers those bytes' meaning and
  a verifier sees exactly what was signed);
* every award appends an ``award.issued`` audit event and queues the claim e-mail
  (``services.mail.outbox``: sent over SMTP or written to the outbox folder later, never here).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from credstack.core.achievement import AchievementDefinition, expiry_for
from credstack.core.award_request import AwardInput, AwardRequest, require_award
from credstack.core.credential import build_achievement_credential
from credstack.core.errors import ConfigurationError, ConflictError, InputError
from credstack.core.keys import Ed25519KeyPair
from credstack.core.proofs import sign_data_integrity
from credstack.core.status_list import status_list_entry
from credstack.services.accounts.authz import Action
from credstack.services.accounts.users import Principal
from credstack.services.achievements.lifecycle import achievement_for, definition_of, get
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import Signer, active_signer
from credstack.services.issuers.profiles import issuer_profile_json
from credstack.services.learners.claims import queue_claim_emails
from credstack.services.status.lists import allocate, attach
from credstack.store.models import (
    AchievementState,
    Award,
    Event,
    Learner,
    LearnerEmail,
    Organization,
)

#: how often a batch runs when concurrent transactions keep taking its keys first
RACE_ATTEMPTS = 3
#: PostgreSQL's SQLSTATE for the victim of a deadlock
_DEADLOCK_DETECTED = "40P01"

#: signs unsigned credentials (all with the same key and ``created``), in order
SignMany = Callable[[Sequence[dict[str, Any]], Signer, datetime], list[dict[str, Any]]]


@dataclass(frozen=True)
class IssueResult:
    """The award and whether this call created it (``False``: it was issued before)."""

    award: Award
    created: bool


@dataclass(frozen=True)
class BatchResult:
    """Award ids in request order, and which of them this batch created."""

    award_ids: list[str]
    created: list[bool]

    @property
    def issued(self) -> int:
        return sum(self.created)

    @property
    def skipped(self) -> int:
        return len(self.created) - self.issued


@dataclass(frozen=True)
class Issuance:
    """What stays fixed while issuing one achievement: read once per command, not per row."""

    achievement_id: str
    lineage_id: str
    organization_id: str
    achievement_json: dict[str, Any]
    definition: AchievementDefinition
    issuer: dict[str, Any]
    signer: Signer


def prepare_issuance(session: Session, ctx: ServiceContext, achievement_id: str) -> Issuance:
    """Check the achievement can be awarded and unseal the issuer's key once.

    No permission check: the use cases that call it (``issue_award``, ``issue_csv``,
    ``correct``) check their principal first.
    """
    achievement = get(session, achievement_id)
    if achievement.state is not AchievementState.PUBLISHED or achievement.achievement_json is None:
        raise ConflictError(
            f"achievement {achievement.id} is {achievement.state.value}; only a published "
            f"version can be awarded ('credstack achievement publish {achievement.id}')"
        )
    organization = session.get(Organization, achievement.organization_id)
    if organization is None:  # the foreign key forbids it
        raise ConfigurationError(f"the issuer of achievement {achievement.id} no longer exists")
    signer = active_signer(session, ctx, organization.id)
    issuer = issuer_profile_json(ctx, organization)
    if issuer["id"] != signer.issuer_id:
        raise ConfigurationError(
            f"issuer {organization.slug} has DID {issuer['id']} but its active key belongs to "
            f"{signer.issuer_id}; rotate the key ('credstack issuer rotate-key')"
        )
    return Issuance(
        achievement_id=achievement.id,
        lineage_id=achievement.lineage_id,
        organization_id=organization.id,
        achievement_json=achievement.achievement_json,
        definition=definition_of(achievement),
        issuer=issuer,
        signer=signer,
    )


def sign_sequentially(
    documents: Sequence[dict[str, Any]], signer: Signer, created: datetime
) -> list[dict[str, Any]]:
    """eddsa-rdfc-2022 proofs, one after the other in this process."""
    key = signer.key_pair
    if not isinstance(key, Ed25519KeyPair):
        raise ConfigurationError("awards are signed with the issuer's Ed25519 key")
    return [
        sign_data_integrity(document, key, signer.verification_method, created=created)
        for document in documents
    ]


def issue_award(
    session: Session,
    ctx: ServiceContext,
    *,
    achievement_id: str,
    email: str,
    name: str,
    external_id: str = "",
    evidence: str | None = None,
    narrative: str | None = None,
    result: str | None = None,
    issued: datetime | str | None = None,
    expires: datetime | str | None = None,
    subject_did: str | None = None,
    principal: Principal | None = None,
) -> IssueResult:
    """Issue one award (or return the one already issued for the same learner and id).

    Raises :class:`ValidationError` listing every field that breaks the award rules
    (``"email: ..."``). ``principal`` needs the ``award`` action in the achievement's
    organisation (``None``: a caller that checked already, see
    ``services.accounts.authz``).
    """
    if principal is not None:
        achievement_for(session, principal, achievement_id, Action.AWARD)
    given = AwardInput(
        email=email,
        name=name,
        external_id=external_id,
        evidence=evidence,
        narrative=narrative,
        result=result,
        issued=issued,
        expires=expires,
    )
    request = replace(require_award(given, now=ctx.now()), subject_did=subject_did or None)
    issuance = prepare_issuance(session, ctx, achievement_id)
    outcome = issue_batch(session, ctx, issuance, [request])
    award = session.get(Award, outcome.award_ids[0])
    assert award is not None  # inserted or found by this very batch
    return IssueResult(award=award, created=outcome.created[0])


def issue_batch(
    session: Session,
    ctx: ServiceContext,
    issuance: Issuance,
    requests: Sequence[AwardRequest],
    *,
    sign: SignMany = sign_sequentially,
) -> BatchResult:
    """Issue every request not issued before, with a fixed number of statements.

    The requests were checked by :func:`credstack.core.award_request.check_award` (a CSV
    row, a correction, the demo); requests naming the same (e-mail, external id) twice
    get the same award. Safe to
    run concurrently (two uploads of one file, a retried API call): a batch that loses
    the race for an award or a learner another transaction has just committed is rolled
    back to its SAVEPOINT and run again, and then finds them issued, exactly as if it
    had come second.
    """
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            with session.begin_nested():
                return _issue_batch_once(session, ctx, issuance, requests, sign)
        except (IntegrityError, OperationalError) as exc:
            if attempt == RACE_ATTEMPTS or not _lost_a_race(exc):
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def _lost_a_race(exc: IntegrityError | OperationalError) -> bool:
    """A unique key another transaction took first, or a PostgreSQL deadlock victim."""
    if isinstance(exc, IntegrityError):
        return True
    return getattr(exc.orig, "sqlstate", None) == _DEADLOCK_DETECTED


def _issue_batch_once(
    session: Session,
    ctx: ServiceContext,
    issuance: Issuance,
    requests: Sequence[AwardRequest],
    sign: SignMany,
) -> BatchResult:
    keys = [(request.email, request.external_id) for request in requests]
    existing = _existing_awards(session, issuance.lineage_id, keys)
    to_issue: dict[tuple[str, str], AwardRequest] = {}
    for key, request in zip(keys, requests, strict=True):
        if key not in existing and key not in to_issue:
            to_issue[key] = request
    new_ids = _issue_new(session, ctx, issuance, list(to_issue.values()), sign) if to_issue else {}
    award_ids: list[str] = []
    created: list[bool] = []
    claimed: set[tuple[str, str]] = set()
    for key in keys:
        if key in new_ids and key not in claimed:
            award_ids.append(new_ids[key])
            created.append(True)
            claimed.add(key)
        else:
            award_ids.append(existing.get(key) or new_ids[key])
            created.append(False)
    return BatchResult(award_ids=award_ids, created=created)


def _existing_awards(
    session: Session, lineage_id: str, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """(e-mail, external id) → award id for those of the batch already issued."""
    if not keys:
        return {}
    query = select(Award.recipient_email, Award.external_id, Award.id).where(
        Award.achievement_lineage_id == lineage_id,
        tuple_(Award.recipient_email, Award.external_id).in_(sorted(set(keys))),
    )
    return {(row[0], row[1]): row[2] for row in session.execute(query)}


def _learners(
    session: Session, ctx: ServiceContext, requests: Sequence[AwardRequest]
) -> dict[str, tuple[str, str | None]]:
    """E-mail → (learner id, DID) for every request, creating learners not seen before."""
    emails = sorted({request.email for request in requests})
    query = (
        select(LearnerEmail.email, Learner.id, Learner.did)
        .join(Learner, Learner.id == LearnerEmail.learner_id)
        .where(LearnerEmail.email.in_(emails))
    )
    found: dict[str, tuple[str, str | None]] = {
        row[0]: (row[1], row[2]) for row in session.execute(query)
    }
    new_learners: list[dict[str, Any]] = []
    new_emails: list[dict[str, Any]] = []
    now = ctx.now()
    for request in requests:
        if request.email in found:
            continue
        learner_id = str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4))
        found[request.email] = (learner_id, None)
        new_learners.append({"id": learner_id, "name": request.name, "created_at": now})
        new_emails.append({"learner_id": learner_id, "email": request.email})
    if new_learners:
        session.execute(insert(Learner), new_learners)
        session.execute(insert(LearnerEmail), new_emails)
    return found


def _issue_new(
    session: Session,
    ctx: ServiceContext,
    issuance: Issuance,
    requests: Sequence[AwardRequest],
    sign: SignMany,
) -> dict[tuple[str, str], str]:
    learners = _learners(session, ctx, requests)
    allocations = allocate(session, ctx, issuance.organization_id, len(requests))
    now = ctx.now()
    rows: list[dict[str, Any]] = []
    unsigned: list[dict[str, Any]] = []
    for request, allocation in zip(requests, allocations, strict=True):
        award_id = new_award_id(ctx)
        learner_id, learner_did = learners[request.email]
        valid_from = request.issued or now
        valid_until = request.expires or expiry_for(issuance.definition, valid_from)
        if valid_until is not None and valid_until <= valid_from:
            raise InputError(
                f"the award for {request.email} would expire ({valid_until.isoformat()}) "
                f"before it is valid ({valid_from.isoformat()}); check --issued/--expires"
            )
        unsigned.append(
            build_achievement_credential(
                credential_id=ctx.url(f"/credentials/{award_id}"),
                issuer=issuance.issuer,
                achievement=issuance.achievement_json,
                recipient_email=request.email,
                recipient_name=request.name,
                salt=_random_token(ctx, 12),
                valid_from=valid_from,
                subject_id=request.subject_did or learner_did,
                valid_until=valid_until,
                status_entry=status_list_entry(allocation.list_url, allocation.index),
                evidence=[{"id": request.evidence}] if request.evidence else None,
                result=[{"type": ["Result"], "value": request.result}] if request.result else None,
                narrative=request.narrative,
                external_id=request.external_id or None,
            )
        )
        rows.append(
            {
                "id": award_id,
                "achievement_id": issuance.achievement_id,
                "achievement_lineage_id": issuance.lineage_id,
                "organization_id": issuance.organization_id,
                "learner_id": learner_id,
                "recipient_email": request.email,
                "recipient_name": request.name,
                "external_id": request.external_id,
                "status_list_id": allocation.list_id,
                "status_index": allocation.index,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "issued_at": now,
            }
        )
    signed = sign(unsigned, issuance.signer, now)
    for row, document in zip(rows, signed, strict=True):
        row["credential"] = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    session.execute(insert(Award), rows)
    attach(session, [(a, row["id"]) for a, row in zip(allocations, rows, strict=True)])
    session.execute(insert(Event), [_issued_event(ctx, issuance, row, now) for row in rows])
    new_awards = session.scalars(select(Award).where(Award.id.in_([row["id"] for row in rows])))
    queue_claim_emails(session, ctx, new_awards.all())
    return {(row["recipient_email"], row["external_id"]): row["id"] for row in rows}


def _issued_event(
    ctx: ServiceContext, issuance: Issuance, row: dict[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        "at": now,
        "actor": ctx.actor,
        "organization_id": issuance.organization_id,
        "kind": "award.issued",
        "subject_type": "award",
        "subject_id": row["id"],
        "data": {
            "achievement_id": issuance.achievement_id,
            "status_list_id": row["status_list_id"],
            "status_index": row["status_index"],
            "verification_method": issuance.signer.verification_method,
        },
    }


def new_award_id(ctx: ServiceContext) -> str:
    """An unguessable award id (128 random bits) that never starts with ``-``.

    The id is typed on command lines (``award revoke ID``), where a leading dash would be
    read as an option, so the first character is redrawn until it is a letter or digit.
    """
    while True:
        award_id = _random_token(ctx, 16)
        if award_id[0].isalnum():
            return award_id


def _random_token(ctx: ServiceContext, size: int) -> str:
    """URL-safe text of ``size`` random bytes from the context's (CSPRNG) source."""
    raw = ctx.rng.getrandbits(size * 8).to_bytes(size, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def award_url(ctx: ServiceContext, award: Award) -> str:
    """The public credential URL (architecture §5), which is also the credential's ``id``."""
    return ctx.url(f"/credentials/{award.id}")
