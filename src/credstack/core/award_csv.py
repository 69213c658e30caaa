"""The bulk-award CSV format: its header and the rules one row must follow.

Why in the core: the same rules serve the CLI (``award bulk``), the web upload and the API,
and they need no database: a row is checked on its own, against the header and the clock
(passed in). What needs the whole file (a line repeated further down) is decided by the
caller from :func:`row_key`, a small digest, so a file of any length is checked in one
streaming pass with flat memory.

Columns (header row required, any order): ``email`` and ``name`` are required;
``external_id`` (the issuer's own learner or enrolment number), ``evidence`` (a URL),
``narrative``, ``result`` (e.g. a grade), ``issued`` and ``expires`` (ISO 8601 dates or
date-times, UTC when no zone is given) are optional. Any other column is an error, so a
misspelt header is caught before a thousand credentials are signed without it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from credstack.core.identity import normalize_email
from credstack.core.timestamps import parse_datetime

COLUMNS = ("email", "name", "external_id", "evidence", "narrative", "result", "issued", "expires")
REQUIRED_COLUMNS = ("email", "name")

MAX_EMAIL = 320
MAX_NAME = 200
MAX_EXTERNAL_ID = 200
MAX_URL = 2048
MAX_RESULT = 500
MAX_NARRATIVE = 10_000

#: deliberately simple: one @, no spaces, a dot in the domain; delivery decides the rest
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


@dataclass(frozen=True)
class RowProblem:
    """One problem of the file, where a person can find it (line 1 is the header)."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class AwardRow:
    """One valid row, cleaned: the e-mail normalised, empty optional cells as ``None``."""

    line: int
    email: str
    name: str
    external_id: str = ""
    evidence: str | None = None
    narrative: str | None = None
    result: str | None = None
    issued: datetime | None = None
    expires: datetime | None = None


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
) -> tuple[AwardRow | None, list[RowProblem]]:
    """Check one data row; the row is returned only when it has no problem at all."""
    if len(fields) != len(header):
        message = f"has {len(fields)} fields but the header has {len(header)} columns"
        return None, [RowProblem(line, "", message)]
    cells = {name: value.strip() for name, value in zip(header, fields, strict=True)}
    problems: list[RowProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(RowProblem(line, column, message))

    # a missing required column is the header's problem, reported once, not on every row
    email = cells.get("email", "")
    if "email" not in cells:
        pass
    elif not email:
        problem("email", "the e-mail address is empty")
    elif len(email) > MAX_EMAIL or not _EMAIL.match(email):
        problem("email", f"{email!r} is not an e-mail address")
    name = " ".join(cells.get("name", "").split())
    if not name and "name" in cells:
        problem("name", "the learner's name is empty")
    elif len(name) > MAX_NAME:
        problem("name", f"the name is {len(name)} characters; at most {MAX_NAME}")
    external_id = cells.get("external_id", "")
    if len(external_id) > MAX_EXTERNAL_ID:
        problem("external_id", f"the external id is longer than {MAX_EXTERNAL_ID} characters")
    evidence = cells.get("evidence") or None
    if evidence is not None and not _is_web_url(evidence):
        problem("evidence", f"{evidence!r} is not an http(s) URL")
    narrative = cells.get("narrative") or None
    if narrative is not None and len(narrative) > MAX_NARRATIVE:
        problem("narrative", f"the narrative is longer than {MAX_NARRATIVE} characters")
    result = cells.get("result") or None
    if result is not None and len(result) > MAX_RESULT:
        problem("result", f"the result is longer than {MAX_RESULT} characters")
    issued = _moment(cells.get("issued", ""), "issued", problem)
    expires = _moment(cells.get("expires", ""), "expires", problem)
    if expires is not None and expires <= (issued or now):
        when = "the issue date" if issued is not None else "now"
        problem("expires", f"expires {cells['expires']!r} is not after {when}")
    if problems:
        return None, problems
    return (
        AwardRow(
            line=line,
            email=normalize_email(email),
            name=name,
            external_id=external_id,
            evidence=evidence,
            narrative=narrative,
            result=result,
            issued=issued,
            expires=expires,
        ),
        [],
    )


def _is_web_url(text: str) -> bool:
    if len(text) > MAX_URL or any(char.isspace() for char in text):
        return False
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def parse_moment(text: str) -> datetime | None:
    """An ISO 8601 date (midnight UTC) or date-time (UTC when no zone); None if neither."""
    moment = parse_datetime(text)
    if moment is not None:
        return moment
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _moment(text: str, column: str, problem: Callable[[str, str], None]) -> datetime | None:
    if not text:
        return None
    moment = parse_moment(text)
    if moment is None:
        problem(column, f"{text!r} is not an ISO 8601 date such as 2026-03-01")
    return moment
