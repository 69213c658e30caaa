"""The bulk-award CSV format: its header, and how one row becomes an award request.

Why in the core: the same rules serve the CLI (``award bulk``), the web upload and the API,
and they need no database: a row is checked on its own, against the header and the clock
(passed in), by the one award rule set of :mod:`credstack.core.award_request`, so a row is
refused exactly when the same award typed into any other door would be. What needs the
whole file (a line repeated further down) is decided by the caller from :func:`row_key`, a
small digest, so a file of any length is checked in one streaming pass with flat memory.

Columns (header row required, any order): ``email`` and ``name`` are required;
``external_id`` (the issuer's own learner or enrolment number), ``evidence`` (a URL),
``narrative``, ``result`` (e.g. a grade), ``issued`` and ``expires`` (ISO 8601 dates or
date-times, UTC when no zone is given) are optional. Any other column is an error, so a
misspelt header is caught before a thousand credentials are signed without it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from credstack.core.award_request import FIELDS, AwardInput, AwardRequest, check_award
from credstack.core.identity import normalize_email

COLUMNS = FIELDS
REQUIRED_COLUMNS = ("email", "name")


@dataclass(frozen=True)
class RowProblem:
    """One problem of the file, where a person can find it (line 1 is the header)."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


def row_key(email: str, external_id: str) -> bytes:
    """16 bytes naming (e-mail, external id): what makes two rows the same award."""
    text = normalize_email(email) + "\x00" + external_id.strip()
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


def check_header(fields: Sequence[str]) -> tuple[list[str], list[RowProblem]]:
    """The column names (trimmed, lower-cased) and the header's problems, if any."""
    names = [field.strip().lower() for field in fields]
    if names and names[0].startswith("\ufeff"):
        names[0] = names[0][1:]
    problems: list[RowProblem] = []
    seen: set[str] = set()
    for name in names:
        if name not in COLUMNS:
            known = ", ".join(COLUMNS)
            problems.append(RowProblem(1, name, f"unknown column {name!r}; use {known}"))
        elif name in seen:
            problems.append(RowProblem(1, name, f"column {name!r} appears twice"))
        seen.add(name)
    for required in REQUIRED_COLUMNS:
        if required not in seen:
            problems.append(RowProblem(1, required, f"the required column {required!r} is missing"))
    return names, problems


def parse_row(
    header: Sequence[str], fields: Sequence[str], line: int, *, now: datetime
) -> tuple[AwardRequest | None, list[RowProblem]]:
    """Check one data row; the request is returned only when the row has no problem at all."""
    if len(fields) != len(header):
        message = f"has {len(fields)} fields but the header has {len(header)} columns"
        return None, [RowProblem(line, "", message)]
    cells = dict(zip(header, fields, strict=True))
    award = AwardInput(**{name: cells.get(name, "") for name in COLUMNS})
    request, problems = check_award(award, now=now)
    # a missing required column is the header's problem, reported once, not on every row
    return request, [
        RowProblem(line, problem.field, problem.message)
        for problem in problems
        if problem.field in cells
    ]
