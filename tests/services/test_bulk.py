"""Bulk CSV awards: every bad row reported by line, all-or-nothing, batches, idempotent.

Runs on SQLite and (with ``CREDSTACK_TEST_DATABASE_URL``) PostgreSQL through ``db``.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import award_fixtures
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from credstack.core.award_csv import RowProblem
from credstack.core.errors import ConflictError
from credstack.services.accounts.users import Principal
from credstack.services.context import ServiceContext
from credstack.services.issuing.bulk import issue_csv, validate_csv
from credstack.store.models import Award

EXAMPLE = award_fixtures.EXAMPLE
verify_award = award_fixtures.verify_award
#: fixtures
ctx = award_fixtures.ctx
achievement_id = award_fixtures.achievement_id

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def check(text: bytes) -> list[tuple[int, str]]:
    summary = validate_csv(io.BytesIO(text), now=NOW)
    return [(problem.line, problem.column) for problem in summary.problems]


def write_csv(tmp_path: Path, rows: int, *, name: str = "awards.csv") -> Path:
    path = tmp_path / name
    lines = ["email,name,external_id"]
    lines += [f"learner{n}@example.org,Learner {n},S-{n}" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def award_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Award)) or 0


def test_a_clean_file_has_no_problems_whatever_the_column_order() -> None:
    text = (
        "\ufeffName,email,expires,issued,evidence,result,narrative,external_id\n"
        "Ada Lovelace,ada@example.org,2031-01-01,2026-03-01T09:00:00Z,https://e.example/1,A,"
        '"Two lines,\nwith a comma",S-1\n'
        "\n"
        "Grace Hopper,grace@example.org,,,,,,\n"
    ).encode()
    summary = validate_csv(io.BytesIO(text), now=NOW)
    assert summary.problems == []
    assert summary.rows == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"email,name\nnot-an-address,Ada\n", [(2, "email")]),
        (b"email,name\nada@example.org,   \n", [(2, "name")]),
        (b"email,name,colour\nada@example.org,Ada,blue\n", [(1, "colour")]),
        (b"name\nAda\n", [(1, "email")]),  # reported once, not per row
        (b"email,name\na@x.example,A\nb@x.example,B\nA@X.example,A again\n", [(4, "email")]),
        (b"email,name,issued\na@x.example,A,01/03/2026\n", [(2, "issued")]),
        (b"email,name,expires\na@x.example,A,2020-01-01\n", [(2, "expires")]),
        (b"email,name,evidence\na@x.example,A,ftp://x.example/f\n", [(2, "evidence")]),
        (b"email,name\na@x.example,A,extra\n", [(2, "")]),
        (b"email,name\na@x.example,Andr\xe9\nb@x.example,B\n", [(2, "")]),
        (b"", [(1, "")]),
    ],
    ids=[
        "bad-email",
        "empty-name",
        "unknown-column",
        "missing-email-column",
        "duplicate-line",
        "not-iso-date",
        "expires-in-the-past",
        "evidence-not-http",
        "too-many-fields",
        "latin-1-byte",
        "empty-file",
    ],
)
def test_each_kind_of_problem_is_reported_at_its_line(
    text: bytes, expected: list[tuple[int, str]]
) -> None:
    assert check(text) == expected


def test_messages_say_what_to_fix() -> None:
    text = b"email,name\na@x.example,A\na@x.example,A\nb@x.example,Andr\xe9\n"
    problems = validate_csv(io.BytesIO(text), now=NOW).problems
    assert [str(problem) for problem in problems] == [
        "line 3, column email: repeats line 2 (same e-mail and external id); remove one",
        "line 4: is not UTF-8 (byte 0xe9 at position 17); save the file as UTF-8",
    ]
    assert problems[0] == RowProblem(3, "email", problems[0].message)


def test_a_file_is_issued_in_batches_with_a_checkpoint_after_each(
    db: Session, ctx: ServiceContext, achievement_id: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, 45)
    checkpoints: list[int] = []
    progress: list[tuple[int, int]] = []
    summary = issue_csv(
        db,
        ctx,
        achievement_id,
        path,
        batch_size=20,
        checkpoint=lambda: checkpoints.append(award_count(db)),
        progress=lambda done, total: progress.append((done, total)),
        principal=Principal.operator(),
    )
    assert (summary.issued, summary.skipped, summary.invalid) == (45, 0, 0)
    assert checkpoints == [20, 40, 45]
    assert progress == [(20, 45), (40, 45), (45, 45)]
    award = db.scalars(select(Award).where(Award.external_id == "S-7")).one()
    assert award.recipient_email == "learner7@example.org"
    assert verify_award(db, ctx, award)["verified"] == "True"
    indexes = db.execute(select(Award.status_list_id, Award.status_index)).all()
    assert len(set(indexes)) == 45


def test_the_same_file_again_issues_nothing_and_says_so(
    db: Session, ctx: ServiceContext, achievement_id: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, 30)
    issue_csv(db, ctx, achievement_id, path, batch_size=7, principal=Principal.operator())
    before = {award.id: award.credential for award in db.scalars(select(Award))}
    again = issue_csv(db, ctx, achievement_id, path, batch_size=7, principal=Principal.operator())
    assert (again.issued, again.skipped, again.invalid) == (0, 30, 0)
    assert {award.id: award.credential for award in db.scalars(select(Award))} == before


def test_a_longer_file_issues_only_the_new_rows(
    db: Session, ctx: ServiceContext, achievement_id: str, tmp_path: Path
) -> None:
    issue_csv(
        db,
        ctx,
        achievement_id,
        write_csv(tmp_path, 10, name="first.csv"),
        principal=Principal.operator(),
    )
    summary = issue_csv(
        db,
        ctx,
        achievement_id,
        write_csv(tmp_path, 25, name="second.csv"),
        principal=Principal.operator(),
    )
    assert (summary.issued, summary.skipped) == (15, 10)
    assert award_count(db) == 25


def test_one_bad_row_stops_the_whole_file(
    db: Session, ctx: ServiceContext, achievement_id: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"email,name\na@x.example,A\nbroken,B\nc@x.example,\n")
    summary = issue_csv(db, ctx, achievement_id, path, principal=Principal.operator())
    assert (summary.issued, summary.invalid) == (0, 2)
    assert [(p.line, p.column) for p in summary.problems] == [(3, "email"), (4, "name")]
    assert award_count(db) == 0


def test_skip_invalid_issues_the_good_rows_and_counts_the_bad(
    db: Session, ctx: ServiceContext, achievement_id: str, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        b"email,name\na@x.example,A\nbroken,B\nc@x.example,C\nd@x.example,D\xff\na@x.example,A\n"
    )
    summary = issue_csv(
        db, ctx, achievement_id, path, skip_invalid=True, principal=Principal.operator()
    )
    assert (summary.issued, summary.skipped, summary.invalid) == (2, 0, 3)
    emails = set(db.scalars(select(Award.recipient_email)))
    assert emails == {"a@x.example", "c@x.example"}


def test_a_wrong_header_refuses_even_with_skip_invalid(
    db: Session, ctx: ServiceContext, achievement_id: str, tmp_path: Path
) -> None:
    path = tmp_path / "header.csv"
    path.write_bytes(b"email,name,grade\na@x.example,A,B+\n")
    summary = issue_csv(
        db, ctx, achievement_id, path, skip_invalid=True, principal=Principal.operator()
    )
    assert summary.issued == 0
    assert [(p.line, p.column) for p in summary.problems] == [(1, "grade")]
    assert award_count(db) == 0


def test_a_dry_run_validates_and_issues_nothing(
    db: Session, ctx: ServiceContext, achievement_id: str, tmp_path: Path
) -> None:
    summary = issue_csv(
        db,
        ctx,
        achievement_id,
        write_csv(tmp_path, 5),
        dry_run=True,
        principal=Principal.operator(),
    )
    assert (summary.issued, summary.problems, summary.dry_run) == (0, [], True)
    assert award_count(db) == 0


def test_row_fields_reach_the_signed_credential(
    db: Session, ctx: ServiceContext, achievement_id: str, tmp_path: Path
) -> None:
    path = tmp_path / "fields.csv"
    path.write_text(
        "email,name,evidence,result,narrative,issued,expires\n"
        "ada@example.org,Ada,https://e.example/ada,Distinction,Led the team,"
        "2026-04-01,2028-04-01\n",
        encoding="utf-8",
    )
    issue_csv(db, ctx, achievement_id, path, principal=Principal.operator())
    credential = json.loads(db.scalars(select(Award.credential)).one())
    subject = credential["credentialSubject"]
    assert credential["validFrom"] == "2026-04-01T00:00:00Z"
    assert credential["validUntil"] == "2028-04-01T00:00:00Z"
    assert credential["evidence"][0]["id"] == "https://e.example/ada"
    assert subject["result"][0]["value"] == "Distinction"
    assert subject["narrative"] == "Led the team"


def test_an_unpublished_achievement_is_refused_before_reading_the_file(
    db: Session, ctx: ServiceContext, tmp_path: Path
) -> None:
    from credstack.services.achievements import lifecycle as achievements
    from credstack.services.issuers.profiles import create_issuer

    organization = create_issuer(
        db, ctx, name="Acme", type="company", url="https://acme.example", country="DE"
    )
    draft = achievements.create_achievement(
        db, ctx, issuer_slug=organization.slug, definition=EXAMPLE.read_text(encoding="utf-8")
    )
    with pytest.raises(ConflictError):
        issue_csv(db, ctx, draft.id, tmp_path / "never-read.csv", principal=Principal.operator())


def test_worker_processes_sign_verifiable_credentials_in_row_order(
    db: Session, ctx: ServiceContext, achievement_id: str, tmp_path: Path
) -> None:
    summary = issue_csv(
        db,
        ctx,
        achievement_id,
        write_csv(tmp_path, 25),
        batch_size=10,
        workers=2,
        principal=Principal.operator(),
    )
    assert summary.issued == 25
    for award in db.scalars(select(Award)):
        credential = json.loads(award.credential)
        # each stored credential is the one built for its own row: no slice was shuffled
        names = [
            item["identityHash"]
            for item in credential["credentialSubject"]["identifier"]
            if item["identityType"] == "name"
        ]
        assert names == [award.recipient_name]
        assert credential["id"].endswith(award.id)
    sample = db.scalars(select(Award).order_by(Award.recipient_email).limit(3)).all()
    assert all(verify_award(db, ctx, award)["verified"] == "True" for award in sample)
