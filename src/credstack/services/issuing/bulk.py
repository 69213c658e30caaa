"""Bulk awards from a CSV file: validate the whole file, then issue it in batches.

Why two passes over the file instead of loading it: a file of a million rows must not
need a million rows of memory. The first pass checks every row (strict UTF-8, the rules
of :mod:`credstack.core.award_csv`, lines repeated within the file) keeping only a
16-byte digest per row; the second pass issues batch by batch through
:func:`credstack.services.issuing.awards.issue_batch`, and calls ``checkpoint()`` after each one
(the CLI commits there). A crash therefore loses at most one batch, and running the same
file again continues where it stopped: rows already issued are skipped by idempotency.

If any row is bad, nothing is issued unless the caller asked to skip bad rows.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from credstack.core.award_csv import RowProblem, check_header, parse_row, row_key
from credstack.core.award_request import AwardRequest
from credstack.services.accounts.authz import Action
from credstack.services.accounts.users import Principal
from credstack.services.achievements.lifecycle import achievement_for
from credstack.services.context import ServiceContext
from credstack.services.issuing.awards import (
    Issuance,
    SignMany,
    issue_batch,
    prepare_issuance,
    sign_sequentially,
)
from credstack.services.issuing.signing_pool import SigningPool

#: rows issued per batch: one commit, one status allocation, one insert per table
BATCH_SIZE = 500

#: below this many rows, starting worker processes costs more than it saves
PARALLEL_FROM_ROWS = 2_000

#: ``progress(rows_done, rows_total)`` after each batch
Progress = Callable[[int, int], None]
#: ``tally(issued, skipped)``: the totals so far, after each batch and before its checkpoint
Tally = Callable[[int, int], None]


@dataclass
class ValidationSummary:
    """How many data rows the file has and every problem found, by line."""

    rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    #: lines (of data rows) that have at least one problem
    bad_lines: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def header_ok(self) -> bool:
        return not any(problem.line == 1 for problem in self.problems)


@dataclass(frozen=True)
class BulkSummary:
    """What a bulk run did: issued now, skipped as issued before, rows refused as invalid."""

    issued: int
    skipped: int
    invalid: int
    problems: list[RowProblem]
    dry_run: bool = False


def _decoded_lines(stream: BinaryIO, problems: list[RowProblem]) -> Iterator[str]:
    """Text lines of a UTF-8 file; a line that is not UTF-8 is reported, then read lossily."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a byte-order mark, as spreadsheet programs write
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                RowProblem(
                    number,
                    "",
                    f"is not UTF-8 (byte 0x{raw[exc.start]:02x} at position {exc.start + 1}); "
                    "save the file as UTF-8",
                )
            )
            yield raw.decode("utf-8", errors="replace")


def _records(
    stream: BinaryIO, problems: list[RowProblem]
) -> Iterator[tuple[int, list[str], list[str], bool]]:
    """(first line, header, fields, unreadable) for every non-blank data record.

    ``unreadable`` is true when a line of the record was not UTF-8 (already reported).
    """
    reader = csv.reader(_decoded_lines(stream, problems), strict=True)
    header: list[str] | None = None
    consumed = 0
    try:
        for fields in reader:
            start, consumed = consumed + 1, reader.line_num
            unreadable = any(problem.line >= start for problem in problems[-1:])
            if not any(cell.strip() for cell in fields):
                continue
            if header is None:
                header, header_problems = check_header(fields)
                problems.extend(header_problems)
                continue
            yield start, header, fields, unreadable
    except csv.Error as exc:
        problems.append(RowProblem(reader.line_num, "", f"is not valid CSV: {exc}"))
    if header is None:
        problems.append(RowProblem(1, "", "the file is empty: it needs a header row"))


def validate_csv(stream: BinaryIO, *, now: datetime) -> ValidationSummary:
    """Check the whole file in one streaming pass and report every problem by line."""
    summary = ValidationSummary()
    seen: dict[bytes, int] = {}
    for line, header, fields, unreadable in _records(stream, summary.problems):
        summary.rows += 1
        if unreadable:
            summary.bad_lines.add(line)
        row, problems = parse_row(header, fields, line, now=now)
        if row is not None:
            key = row_key(row.email, row.external_id)
            first = seen.setdefault(key, line)
            if first != line:
                problems.append(
                    RowProblem(
                        line,
                        "email",
                        f"repeats line {first} (same e-mail and external id); remove one",
                    )
                )
        if problems:
            summary.problems.extend(problems)
            summary.bad_lines.add(line)
    summary.problems.sort(key=lambda problem: problem.line)
    return summary


def _valid_rows(path: Path, bad_lines: set[int], now: datetime) -> Iterator[AwardRequest]:
    """The second pass: the rows the first pass found valid, in file order."""
    ignored: list[RowProblem] = []  # already reported by the first pass
    with path.open("rb") as stream:
        for line, header, fields, _unreadable in _records(stream, ignored):
            if line in bad_lines:
                continue
            row, _problems = parse_row(header, fields, line, now=now)
            if row is not None:
                yield row


def issue_csv(
    session: Session,
    ctx: ServiceContext,
    achievement_id: str,
    path: Path,
    *,
    principal: Principal | None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    checkpoint: Callable[[], None] | None = None,
    tally: Tally | None = None,
    idle: Callable[[], None] | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
) -> BulkSummary:
    """Validate ``path``, then issue its valid rows for the achievement, batch by batch.

    Nothing is issued when a row is bad and ``skip_invalid`` is false, when the header
    itself is wrong (no row can be trusted then), or with ``dry_run`` (which still checks
    the achievement can be awarded). ``checkpoint`` runs after every batch; ``progress``
    and ``tally`` just before it, so what they record commits with the batch (a job's
    counts then match its committed awards even if a later batch fails). ``idle`` runs
    once the achievement is checked, before the validation pass, which reads the whole
    file without the database: an edge ends its transaction there, so SQLite's write
    lock is not held while a large file is read. ``workers`` signing processes are used
    (default: one per core for files of :data:`PARALLEL_FROM_ROWS` rows or more; 1 signs
    in this process).

    ``principal`` needs the ``award`` action in the achievement's organisation; ``None``
    is a job a web page started after checking (see ``services.accounts.authz``).
    ``checkpoint`` and ``idle`` are how the caller's edge commits (the CLI's
    ``session.commit``, a worker's): this function never commits itself.
    """
    if principal is not None:
        achievement_for(session, principal, achievement_id, Action.AWARD)
    now = ctx.now()
    issuance = prepare_issuance(session, ctx, achievement_id)
    if idle is not None:
        idle()
    with path.open("rb") as stream:
        summary = validate_csv(stream, now=now)
    invalid = len(summary.bad_lines)
    if dry_run or not summary.header_ok or (summary.problems and not skip_invalid):
        return BulkSummary(0, 0, invalid, summary.problems, dry_run=dry_run)
    if any(problem.line not in summary.bad_lines for problem in summary.problems):
        # a line-level problem (encoding, CSV syntax) outside any parsed row: refuse
        return BulkSummary(0, 0, invalid, summary.problems)
    total = summary.rows - invalid
    if workers is None:
        workers = (os.cpu_count() or 1) if total >= PARALLEL_FROM_ROWS else 1
    with ExitStack() as stack:
        sign: SignMany = sign_sequentially
        if workers > 1:
            sign = stack.enter_context(SigningPool(issuance.signer, workers))
        issued, skipped = _issue_rows(
            session, ctx, issuance, _valid_rows(path, summary.bad_lines, now),
            total=total, batch_size=batch_size, sign=sign, progress=progress,
            checkpoint=checkpoint, tally=tally,
        )  # fmt: skip
    return BulkSummary(issued, skipped, invalid, summary.problems)


def _issue_rows(
    session: Session,
    ctx: ServiceContext,
    issuance: Issuance,
    rows: Iterator[AwardRequest],
    *,
    total: int,
    batch_size: int,
    sign: SignMany,
    progress: Progress | None,
    checkpoint: Callable[[], None] | None,
    tally: Tally | None,
) -> tuple[int, int]:
    """Issue rows batch by batch; (issued, skipped as issued before)."""
    issued = skipped = done = 0
    batch: list[AwardRequest] = []

    def flush() -> None:
        nonlocal issued, skipped, done
        result = issue_batch(session, ctx, issuance, batch, sign=sign)
        issued += result.issued
        skipped += result.skipped
        done += len(batch)
        batch.clear()
        if progress is not None:
            progress(done, total)
        if tally is not None:
            tally(issued, skipped)
        session.flush()
        if checkpoint is not None:
            checkpoint()

    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return issued, skipped
