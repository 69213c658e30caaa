"""Status lists of an issuer: random index allocation and the signed published list.

Allocation (architecture §2): each credential gets a RANDOM index in its issuer's current list
(herd privacy: the index says nothing about issue order), never reused. Uniqueness comes
from the primary key ``(list_id, index)`` of ``status_list_entries``: a batch of random
candidates is inserted in one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` statement,
and the candidates that lost (taken before, or taken at the same moment by another
process on PostgreSQL) are simply re-drawn. No table lock, no per-index round trip, no
"taken" set loaded into memory, so bulk issuing stays fast and concurrent issuing safe.

A list is retired for new allocations once ~75% of it is allocated (random probing stays
cheap and the remaining holes keep the herd large); the next allocation opens a new list.

One list per issuer DID: a verifier accepts a status list only when it is signed by the
credential's own issuer id. A did:key issuer that rotates gets a new DID, so credentials
issued before and after point at different lists, each signed by its own DID. The list
id starts with a short digest of that DID (``<digest>-<random>``); publishing finds the
DID again among the issuer's key controllers, which needs no extra column and makes the
rule visible in every list URL. A did:web issuer keeps one DID, hence one list sequence.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from credstack.core.credential import xsd_datetime
from credstack.core.errors import ConfigurationError, NotFoundError
from credstack.core.keys import Ed25519KeyPair
from credstack.core.proofs import sign_data_integrity
from credstack.core.status_list import StatusBitstring, encode_list, status_list_credential
from credstack.core.timestamps import parse_datetime
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import signer_for_did
from credstack.store.engine import best_effort
from credstack.store.models import (
    MIN_STATUS_LIST_SIZE,
    Award,
    AwardState,
    Organization,
    SigningKey,
    StatusList,
    StatusListEntry,
)

#: share of a list that may be allocated before new credentials go to a fresh list
FILL_LIMIT = 0.75
#: hex characters of the DID digest that prefix a list id
_DID_TAG_LENGTH = 12


@dataclass(frozen=True)
class Allocation:
    """One allocated index: the award built with it points at ``list_url#index``."""

    list_id: str
    index: int
    list_url: str


@dataclass(frozen=True)
class StatusListDocument:
    """The signed list as served: text, the revision it reflects, when it last changed."""

    text: str
    revision: int
    updated_at: datetime


def list_url(ctx: ServiceContext, status_list: StatusList) -> str:
    """The list's public URL, which is also the signed list credential's ``id``."""
    return ctx.url("/status/" + status_list.id)


def did_tag(did: str) -> str:
    """The short digest of a DID that starts the ids of the lists it signs."""
    return hashlib.sha256(did.encode("utf-8")).hexdigest()[:_DID_TAG_LENGTH]


def allocate(
    session: Session, ctx: ServiceContext, organization_id: str, count: int = 1
) -> list[Allocation]:
    """``count`` fresh random indexes in the issuer's current list(s), claimed in the store.

    The entries are inserted with ``award_id`` NULL; the award rows carry
    ``(status_list_id, status_index)`` themselves (unique), and :func:`attach` may link the
    entry back once the award row is flushed. Runs a handful of statements per call
    whatever ``count`` is, so bulk issuing should call it once per batch.
    """
    if count < 1:
        return []
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFoundError(f"no issuer with id {organization_id!r}")
    if organization.did is None:
        raise ConfigurationError(f"issuer {organization.slug} has no DID yet; it cannot issue")
    tag = did_tag(organization.did)
    allocations: list[Allocation] = []
    while len(allocations) < count:
        status_list, allocated = _current_list(session, ctx, organization_id, tag)
        room = int(status_list.size * FILL_LIMIT) - allocated
        wanted = min(room, count - len(allocations))
        url = list_url(ctx, status_list)
        claimed = _claim_random(session, ctx, status_list, wanted, allocated)
        # inserted in index order (one lock order); hand them out in random order, so
        # the position of a row in a batch says nothing about its index either
        ctx.rng.shuffle(claimed)
        for index in claimed:
            allocations.append(Allocation(list_id=status_list.id, index=index, list_url=url))
    return allocations


def attach(session: Session, pairs: Sequence[tuple[Allocation, str]]) -> None:
    """Record which award holds each allocated entry (the award rows must be flushed).

    PostgreSQL: one UPDATE per list with the pairs as two array parameters (a fixed SQL
    text, one round trip). SQLite: an ``executemany`` of one prepared UPDATE, which is
    as fast there as anything (no network, no query parsing per row).
    """
    if not pairs:
        return
    if session.get_bind().dialect.name != "postgresql":
        rows = [{"l": a.list_id, "i": a.index, "a": award_id} for a, award_id in pairs]
        session.execute(_ATTACH_ONE_SQL, rows)
        return
    by_list: dict[str, tuple[list[int], list[str]]] = {}
    for allocation, award_id in pairs:
        indexes, award_ids = by_list.setdefault(allocation.list_id, ([], []))
        indexes.append(allocation.index)
        award_ids.append(award_id)
    for list_id, (indexes, award_ids) in by_list.items():
        values = {"list_id": list_id, "indexes": indexes, "award_ids": award_ids}
        session.execute(_ATTACH_MANY_SQL, values)


def _current_list(
    session: Session, ctx: ServiceContext, organization_id: str, tag: str
) -> tuple[StatusList, int]:
    """The newest list of this DID with room left (and its allocated count), or a new one."""
    newest = session.scalars(
        select(StatusList)
        .where(
            StatusList.organization_id == organization_id,
            StatusList.id.startswith(tag + "-"),
        )
        .order_by(StatusList.created_at.desc(), StatusList.id.desc())
        .limit(1)
    ).first()
    if newest is not None:
        allocated = _allocated_count(session, newest.id)
        if allocated < int(newest.size * FILL_LIMIT):
            return newest, allocated
    new_id = f"{tag}-{secrets.token_hex(8)}"
    created = StatusList(
        id=new_id,
        organization_id=organization_id,
        url_path="/status/" + new_id,
        purpose="revocation",
        size=MIN_STATUS_LIST_SIZE,
        created_at=ctx.now(),
        updated_at=ctx.now(),
    )
    session.add(created)
    session.flush()
    return created, 0


def _allocated_count(session: Session, list_id: str) -> int:
    query = select(func.count()).select_from(StatusListEntry)
    return session.scalar(query.where(StatusListEntry.list_id == list_id)) or 0


def _claim_random(
    session: Session, ctx: ServiceContext, status_list: StatusList, wanted: int, allocated: int
) -> list[int]:
    """Claim ``wanted`` random free indexes of the list; re-draw those another took.

    Each round draws more candidates than needed (in proportion to how full the list
    is), drops those already taken with one SELECT, and inserts the rest; a candidate
    still lost to a concurrent insert is skipped by ``ON CONFLICT DO NOTHING`` and the
    next round replaces it. Usually one round, whatever the batch size.
    """
    claimed: list[int] = []
    tried: set[int] = set()
    size = status_list.size
    while len(claimed) < wanted:
        missing = wanted - len(claimed)
        free_share = max(0.2, 1 - (allocated + len(claimed)) / size)
        # bounded: a list is retired at 75%, so at least a fifth of it is never tried
        draw = min(int(missing / free_share * 1.25) + 8, size - len(tried))
        candidates: list[int] = []
        while len(candidates) < draw:
            candidate = ctx.rng.randrange(size)
            if candidate not in tried:
                tried.add(candidate)
                candidates.append(candidate)
        taken = _taken_among(session, status_list.id, candidates)
        fresh = [index for index in candidates if index not in taken][:missing]
        claimed.extend(_insert_new(session, status_list.id, fresh))
    return claimed


# One fixed statement text per dialect, the indexes passed as ONE array/JSON parameter:
# multi-row VALUES or IN lists change the SQL text with their length, and parsing
# thousands of distinct statements cost more than the inserts themselves.
_ATTACH_MANY_SQL = text(
    "UPDATE status_list_entries AS e SET award_id = v.award_id "
    "FROM unnest(CAST(:indexes AS integer[]), CAST(:award_ids AS text[])) AS v(i, award_id) "
    'WHERE e.list_id = :list_id AND e."index" = v.i'
)
_ATTACH_ONE_SQL = text(
    'UPDATE status_list_entries SET award_id = :a WHERE list_id = :l AND "index" = :i'
)
#: PostgreSQL's SQLSTATE for "deadlock detected"
_DEADLOCK_DETECTED = "40P01"
_TAKEN_SQL = {
    # LATERAL ... LIMIT 1 forces one primary-key probe per candidate: with "= ANY" the
    # planner, misled by statistics older than a bulk run, scanned the whole list
    "postgresql": "SELECT c.i FROM unnest(CAST(:indexes AS integer[])) AS c(i) "
    "CROSS JOIN LATERAL (SELECT 1 FROM status_list_entries e WHERE e.list_id = :list_id "
    'AND e."index" = c.i LIMIT 1) AS hit',
    "sqlite": 'SELECT "index" FROM status_list_entries WHERE list_id = :list_id '
    'AND "index" IN (SELECT value FROM json_each(:indexes))',
}
_INSERT_SQL = {
    "postgresql": 'INSERT INTO status_list_entries (list_id, "index") '
    "SELECT :list_id, unnest(CAST(:indexes AS integer[])) "
    'ON CONFLICT DO NOTHING RETURNING "index"',
    # "WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT's join
    "sqlite": 'INSERT INTO status_list_entries (list_id, "index") '
    "SELECT :list_id, value FROM json_each(:indexes) WHERE true "
    'ON CONFLICT DO NOTHING RETURNING "index"',
}


def _indexes_parameter(session: Session, indexes: list[int]) -> tuple[str, object]:
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERT_SQL:
        raise ConfigurationError(f"status list allocation does not support {dialect} databases")
    return dialect, (indexes if dialect == "postgresql" else json.dumps(indexes))


def _taken_among(session: Session, list_id: str, indexes: list[int]) -> set[int]:
    """Which of ``indexes`` the list has already allocated (one query)."""
    dialect, parameter = _indexes_parameter(session, indexes)
    rows = session.execute(text(_TAKEN_SQL[dialect]), {"list_id": list_id, "indexes": parameter})
    return {int(row[0]) for row in rows}


def _insert_new(session: Session, list_id: str, indexes: list[int]) -> list[int]:
    """Insert entries, skipping those that exist; returns the indexes this call inserted.

    On PostgreSQL an insert waits for a concurrent transaction holding the same index
    uncommitted, so two issuers can deadlock. Indexes go in sorted order (one lock
    order within a round) and each round runs in a SAVEPOINT: the deadlock victim
    rolls back only this round, keeps the rest of its transaction, and re-draws.
    """
    if not indexes:
        return []
    dialect, parameter = _indexes_parameter(session, sorted(indexes))
    statement = text(_INSERT_SQL[dialect])
    values = {"list_id": list_id, "indexes": parameter}
    if dialect != "postgresql":  # SQLite serialises writers: no deadlock possible
        return [int(row[0]) for row in session.execute(statement, values)]
    try:
        with session.begin_nested():
            return [int(row[0]) for row in session.execute(statement, values)]
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != _DEADLOCK_DETECTED:
            raise
        return []


def revoked_indexes(session: Session, list_id: str) -> list[int]:
    """Indexes of the list whose awards are revoked: the bits the published list sets."""
    query = select(Award.status_index).where(
        Award.status_list_id == list_id,
        Award.state == AwardState.REVOKED,
        Award.status_index.is_not(None),
    )
    return sorted(index for index in session.scalars(query) if index is not None)


def list_issuer_did(session: Session, status_list: StatusList) -> str:
    """The DID whose credentials the list covers (and which must sign it).

    Lists made by :func:`allocate` name it by the digest prefix of their id. A list made
    some other way (an import, a hand-made fixture) falls back to the issuer id of a
    credential it covers, then to the issuer's current DID.
    """
    tag = status_list.id.split("-", 1)[0]
    controllers = session.scalars(
        select(SigningKey.controller_did)
        .where(SigningKey.organization_id == status_list.organization_id)
        .distinct()
    ).all()
    for did in controllers:
        if did_tag(did) == tag:
            return did
    sample = session.scalars(
        select(Award.credential).where(Award.status_list_id == status_list.id).limit(1)
    ).first()
    if sample is not None:
        issuer = json.loads(sample).get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if isinstance(issuer_id, str) and issuer_id in controllers:
            return issuer_id
    organization = session.get(Organization, status_list.organization_id)
    if organization is None or organization.did is None:
        raise ConfigurationError(f"status list {status_list.id} has no issuer DID to sign it")
    return organization.did


def publish(session: Session, ctx: ServiceContext, list_id: str) -> str:
    """The signed ``BitstringStatusListCredential`` text, re-signed only when stale.

    Its ``id`` is the list URL; it is signed by the DID of the credentials it covers;
    bits are the revoked awards' indexes. The text is cached in the list row with the
    revision it reflects, so a revocation (which bumps ``revision``) shows on the very
    next request while unchanged lists are served without signing. Each signed list
    counts for ``ctx.status_list_validity`` (``validUntil``) and carries
    ``ctx.status_list_ttl`` as ``ttl``; a cached copy past half its validity is re-signed
    on read (and by :func:`refresh_lapsing`, which ``serve`` runs periodically).
    """
    status_list = session.get(StatusList, list_id)
    if status_list is None:
        raise NotFoundError(f"no status list {list_id!r}")
    cached = status_list.published_credential
    if (
        cached is not None
        and status_list.published_revision == status_list.revision
        and not needs_resigning(ctx, cached)
    ):
        return cached
    return _sign(session, ctx, status_list)


def needs_resigning(ctx: ServiceContext, text: str) -> bool:
    """Whether a signed list is past half its validity (or has none: signed before lists
    carried ``validUntil``), so that the copy served always has at least half left."""
    valid_until = json.loads(text).get("validUntil")
    expires = parse_datetime(valid_until, zone_required=True) if valid_until else None
    return expires is None or expires - ctx.now() < ctx.status_list_validity / 2


def _sign(session: Session, ctx: ServiceContext, status_list: StatusList) -> str:
    """Sign the list as it stands now (revoked bits, validity from now) and cache it."""
    list_id = status_list.id
    bits = StatusBitstring(status_list.size)
    for index in revoked_indexes(session, list_id):
        bits.set(index)
    did = list_issuer_did(session, status_list)
    signer = signer_for_did(session, ctx, status_list.organization_id, did)
    if not isinstance(signer.key_pair, Ed25519KeyPair):  # pragma: no cover - Ed25519 only
        raise ConfigurationError("status lists are signed with an Ed25519 key")
    now = ctx.now()
    unsigned = status_list_credential(
        list_url(ctx, status_list),
        issuer=signer.issuer_id,
        encoded_list=encode_list(bits),
        valid_from=xsd_datetime(now),
        purpose=status_list.purpose,
        valid_until=xsd_datetime(now + ctx.status_list_validity),
        ttl_ms=int(ctx.status_list_ttl.total_seconds() * 1000),
    )
    signed = sign_data_integrity(unsigned, signer.key_pair, signer.verification_method, created=now)
    text = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
    _cache(session, status_list, text)
    return text


def _cache(session: Session, status_list: StatusList, text: str) -> None:
    """Keep the signed text for the next requests, if the database lets us right now.

    Caching is an optimisation, never a reason to fail a verifier's request. On SQLite
    a request's read transaction cannot become a write while another request writes the
    same list (one writer; a stale snapshot cannot be upgraded): the write then fails
    inside its SAVEPOINT, is dropped, and this response is served uncached (the next
    request will find the other request's copy).
    """
    with best_effort(session):
        status_list.published_credential = text
        status_list.published_revision = status_list.revision


def status_list_document(session: Session, ctx: ServiceContext, list_id: str) -> StatusListDocument:
    """What ``GET /status/{list_id}`` serves: the signed text and its cache validators."""
    text = publish(session, ctx, list_id)
    status_list = session.get(StatusList, list_id)
    assert status_list is not None  # publish() raised NotFoundError otherwise
    return StatusListDocument(
        text=text, revision=status_list.revision, updated_at=status_list.updated_at
    )


def bump_revision(session: Session, ctx: ServiceContext, list_ids: Sequence[str]) -> None:
    """Mark lists changed so their next request re-signs them (after a revocation).

    ``revision = revision + 1`` in SQL, not read-add-write in Python: two revocations
    committing at once must both count, or the second could hide behind a list cached
    (and signed) between them under the same revision number.
    """
    wanted = sorted(set(list_ids))
    if not wanted:
        return
    session.execute(
        update(StatusList)
        .where(StatusList.id.in_(wanted))
        .values(revision=StatusList.revision + 1, updated_at=ctx.now())
        # loaded copies get the new values the database returns, not a guess
        .execution_options(synchronize_session="fetch")
    )


def refresh_lapsing(session: Session, ctx: ServiceContext) -> int:
    """Re-sign every published list past half its validity; returns how many were.

    Readers re-sign on demand anyway; this keeps the cached copies fresh between reads,
    so a list is never served from a copy that was left to lapse (and a read seldom has
    to sign). Lists never fetched have no copy and are left alone.
    """
    rows = session.execute(
        select(StatusList.id, StatusList.published_credential).where(
            StatusList.published_credential.is_not(None)
        )
    ).all()
    refreshed = 0
    for list_id, signed in rows:
        if signed is not None and needs_resigning(ctx, signed):
            status_list = session.get(StatusList, list_id)
            assert status_list is not None  # just read; lists are never deleted
            _sign(session, ctx, status_list)
            refreshed += 1
    return refreshed
