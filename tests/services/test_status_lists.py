"""Status lists: random never-reused allocation (also across processes), signed publication."""

from __future__ import annotations

import json
import multiprocessing
import random
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credstack.core.errors import FetchError, NotFoundError
from credstack.core.report import CheckStatus
from credstack.core.status_list import decode_list
from credstack.core.verify import VerifyOptions, verify
from credstack.services.context import ServiceContext
from credstack.services.issuers.keys import rotate_key
from credstack.services.status.lists import (
    FILL_LIMIT,
    allocate,
    did_tag,
    list_url,
    publish,
    status_list_document,
)
from credstack.store.engine import create_database_engine
from credstack.store.migrate import upgrade_to_head
from credstack.store.models import AwardState, StatusList, StatusListEntry
from issued_awards import issue, make_context, new_achievement, new_issuer


@pytest.fixture
def ctx(tmp_path: Path) -> ServiceContext:
    return make_context(tmp_path)


def test_indexes_are_random_unique_and_claimed_in_the_store(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    allocations = allocate(db, ctx, org.id, 500)
    indexes = [a.index for a in allocations]
    assert len(set(indexes)) == 500
    assert len({a.list_id for a in allocations}) == 1
    # sequential allocation would give 0..499 in order; random ones spread over the list
    assert indexes != sorted(indexes)
    assert max(indexes) > 10_000
    assert sum(1 for i in indexes if i < 500) < 20
    stored = db.scalars(
        select(StatusListEntry.index).where(StatusListEntry.list_id == allocations[0].list_id)
    ).all()
    assert sorted(stored) == sorted(indexes)
    assert allocations[0].list_url == f"http://127.0.0.1:8000/status/{allocations[0].list_id}"


def test_an_index_is_never_handed_out_twice_even_when_the_random_source_repeats(
    db: Session, tmp_path: Path
) -> None:
    # two contexts with the SAME seed draw the same candidates: the store must refuse them
    first = replace(make_context(tmp_path), rng=random.Random(7))
    second = replace(make_context(tmp_path), rng=random.Random(7))
    org = new_issuer(db, first)
    a = allocate(db, first, org.id, 300)
    b = allocate(db, second, org.id, 300)
    pairs = [(x.list_id, x.index) for x in a + b]
    assert len(set(pairs)) == 600


def test_a_list_is_retired_at_the_fill_limit_and_a_new_one_opened(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    limit = int(131_072 * FILL_LIMIT)
    allocations = allocate(db, ctx, org.id, limit + 10)
    per_list = Counter(a.list_id for a in allocations)
    assert sorted(per_list.values()) == [10, limit]
    lists = db.scalars(select(StatusList).where(StatusList.organization_id == org.id)).all()
    assert {lst.size for lst in lists} == {131_072}
    assert len(lists) == 2


def test_lists_follow_the_issuer_did_so_each_is_signed_by_the_did_its_credentials_name(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    achievement = new_achievement(db, org)
    before = issue(db, ctx, org, achievement, email="a@example.org")
    old_did = org.did
    rotate_key(db, ctx, org.slug)  # did:key: the issuer gets a new DID
    after = issue(db, ctx, org, achievement, email="b@example.org")
    assert before.status_list_id != after.status_list_id
    assert before.status_list_id is not None and after.status_list_id is not None
    assert before.status_list_id.startswith(did_tag(str(old_did)))
    old_list = json.loads(publish(db, ctx, before.status_list_id))
    new_list = json.loads(publish(db, ctx, after.status_list_id))
    assert old_list["issuer"] == old_did == json.loads(before.credential)["issuer"]["id"]
    assert new_list["issuer"] == org.did == json.loads(after.credential)["issuer"]["id"]
    assert old_list["proof"][0]["verificationMethod"].startswith(str(old_did))


def _status_of(credential: str, ctx: ServiceContext, lists: dict[str, str]) -> CheckStatus:
    def fetch(url: str) -> bytes:
        if url in lists:
            return lists[url].encode()
        raise FetchError(f"{url}: not served in this test")

    report = verify(
        credential,
        input_name="test",
        options=VerifyOptions(now=ctx.now() + timedelta(hours=1), fetch=fetch),
    )
    return next(check.status for check in report.checks if check.id == "status")


def test_published_list_is_signed_and_shows_a_revocation_at_the_next_request(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    achievement = new_achievement(db, org)
    award = issue(db, ctx, org, achievement)
    assert award.status_list_id is not None and award.status_index is not None
    status_list = db.get(StatusList, award.status_list_id)
    assert status_list is not None
    url = list_url(ctx, status_list)

    first = publish(db, ctx, award.status_list_id)
    document = json.loads(first)
    assert document["id"] == url
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    bits = decode_list(document["credentialSubject"]["encodedList"])
    assert bits.length == 131_072 and not bits.get(award.status_index)
    assert _status_of(award.credential, ctx, {url: first}) is CheckStatus.PASS
    # unchanged list: served from the cache, byte for byte, without re-signing
    assert publish(db, ctx, award.status_list_id) == first

    award.state = AwardState.REVOKED
    status_list.revision += 1
    db.flush()
    second = publish(db, ctx, award.status_list_id)
    assert second != first
    bits = decode_list(json.loads(second)["credentialSubject"]["encodedList"])
    assert list(bits.set_indexes()) == [award.status_index]
    assert _status_of(award.credential, ctx, {url: second}) is CheckStatus.FAIL
    served = status_list_document(db, ctx, award.status_list_id)
    assert (served.text, served.revision) == (second, status_list.revision)


def test_a_list_tampered_with_after_signing_does_not_count(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    award = issue(db, ctx, org, new_achievement(db, org))
    assert award.status_list_id is not None
    text = publish(db, ctx, award.status_list_id)
    tampered = json.loads(text)
    tampered["validFrom"] = "2020-01-01T00:00:00Z"
    url = tampered["id"]
    assert _status_of(award.credential, ctx, {url: json.dumps(tampered)}) is CheckStatus.FAIL


def test_unknown_list_is_not_found(db: Session, ctx: ServiceContext) -> None:
    with pytest.raises(NotFoundError, match="no status list"):
        publish(db, ctx, "nope")


# --- concurrency on PostgreSQL -------------------------------------------------------------

PROCESSES = 4
BATCHES = 6
PER_BATCH = 250


def _allocate_in_process(
    url: str, organization_id: str, home: str, start: Any, results: Any
) -> None:
    """One issuing process: its own engine, a commit per batch, like bulk issuing does.

    Every process uses the SAME random seed, so they draw the same candidates at the same
    moment: only the primary key of the entries table can keep them apart.
    """
    engine = create_database_engine(url)
    ctx = replace(make_context(Path(home)), rng=random.Random(2026))
    got: list[tuple[str, int]] = []
    try:
        start.wait(timeout=60)
        for _ in range(BATCHES):
            with Session(engine) as session:
                batch = allocate(session, ctx, organization_id, PER_BATCH)
                session.commit()
            got.extend((a.list_id, a.index) for a in batch)
    finally:
        engine.dispose()
        results.put(got)


def test_concurrent_allocation_from_several_processes_never_collides(
    postgres_schemas: Any, tmp_path: Path
) -> None:
    schema = postgres_schemas.create("alloc")
    url = postgres_schemas.url_for(schema)
    engine = create_database_engine(url)
    try:
        upgrade_to_head(engine)
        ctx = make_context(tmp_path)
        with Session(engine) as session:
            org = new_issuer(session, ctx)
            # start with the list existing, so every process races on the same one
            allocate(session, ctx, org.id, 1)
            session.commit()
            organization_id = org.id
        spawn = multiprocessing.get_context("spawn")
        start = spawn.Barrier(PROCESSES)
        queue = spawn.Queue()
        workers = [
            spawn.Process(
                target=_allocate_in_process,
                args=(url, organization_id, str(tmp_path), start, queue),
            )
            for _ in range(PROCESSES)
        ]
        for worker in workers:
            worker.start()
        results = [queue.get(timeout=300) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
            assert worker.exitcode == 0
        everything = [pair for result in results for pair in result]
        assert len(everything) == PROCESSES * BATCHES * PER_BATCH
        assert len(set(everything)) == len(everything)
        assert len({list_id for list_id, _ in everything}) == 1
        with Session(engine) as session:
            stored = session.scalar(select(func.count()).select_from(StatusListEntry))
        assert stored == len(everything) + 1
    finally:
        engine.dispose()
        postgres_schemas.drop(schema)


def test_a_list_made_elsewhere_is_signed_by_the_did_of_the_credentials_it_covers(
    db: Session, ctx: ServiceContext
) -> None:
    org = new_issuer(db, ctx)
    award = issue(db, ctx, org, new_achievement(db, org))
    old_did = org.did
    rotate_key(db, ctx, org.slug)
    for list_id in ("imported-old", "imported-empty"):
        db.add(StatusList(id=list_id, organization_id=org.id, url_path=f"/status/{list_id}"))
    db.flush()
    award.status_list_id = "imported-old"
    db.flush()
    assert json.loads(publish(db, ctx, "imported-old"))["issuer"] == old_did
    assert json.loads(publish(db, ctx, "imported-empty"))["issuer"] == org.did != old_did


def test_attached_entries_name_their_awards(db: Session, ctx: ServiceContext) -> None:
    org = new_issuer(db, ctx)
    achievement = new_achievement(db, org)
    awards = [issue(db, ctx, org, achievement, email=f"l{n}@example.org") for n in range(3)]
    entries = db.scalars(
        select(StatusListEntry).where(StatusListEntry.award_id.in_([a.id for a in awards]))
    ).all()
    assert sorted((e.list_id, e.index, e.award_id) for e in entries) == sorted(
        (a.status_list_id, a.status_index, a.id) for a in awards
    )


def test_a_request_whose_snapshot_went_stale_still_answers_on_sqlite(tmp_path: Path) -> None:
    """Two first requests for a stale list on SQLite: the one that reads first but writes
    second cannot upgrade its read transaction, so it serves the list uncached."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'race.db'}")
    try:
        upgrade_to_head(engine)
        ctx = make_context(tmp_path)
        with Session(engine) as setup:
            org = new_issuer(setup, ctx)
            award = issue(setup, ctx, org, new_achievement(setup, org))
            list_id = award.status_list_id
            setup.commit()
        assert list_id is not None
        late = Session(engine)
        late.get(StatusList, list_id)  # its read snapshot starts here
        with Session(engine) as early:
            early_text = publish(early, ctx, list_id)
            early.commit()

        late_text = publish(late, ctx, list_id)  # would raise "database is locked"
        late.commit()
        late.close()

        assert json.loads(late_text)["id"] == json.loads(early_text)["id"]
        with Session(engine) as after:
            cached = after.get(StatusList, list_id)
            assert cached is not None and cached.published_credential == early_text
    finally:
        engine.dispose()
