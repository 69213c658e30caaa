"""One award as every door takes it, and the one set of rules it must pass.

Why one type and one rule set: an award comes in by five doors (``credstack award
create``, a CSV row of ``award bulk`` or of an upload, ``POST /api/v1/awards``, the web
form, a correction), and each used to check it its own way, so the same bad input was
refused by one and signed into a credential by another. Now every door builds an
:class:`AwardInput` (the fields as given, unchecked) and calls :func:`check_award`,
which answers either an :class:`AwardRequest` (cleaned, typed: what the issuing service
signs) or the problems, each naming its field with the same message everywhere. The
door only says *where* the field is: ``--email`` on the command line, ``line 3, column
email`` in a CSV file, ``problems`` in the API's answer, the field itself on the page.

Limits (documented in ``docs/issuing.md``): name 200 characters, external id 200,
result 500, narrative 10,000; evidence a URL as :mod:`credstack.core.user_urls` says
(``http``/``https`` only, 2,048 characters), e-mail as :mod:`credstack.core.email_address`
says. No field may hold a control character (a narrative may hold line breaks and tabs).
Dates are ISO 8601 (a date is midnight UTC, a date-time without a zone is UTC) and
``expires`` must come after ``issued`` (or now).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime

from credstack.core.email_address import address_problem
from credstack.core.errors import ValidationError, quoted
from credstack.core.identity import normalize_email
from credstack.core.timestamps import parse_datetime
from credstack.core.user_urls import web_url_problem

MAX_NAME = 200
MAX_EXTERNAL_ID = 200
MAX_RESULT = 500
MAX_NARRATIVE = 10_000

#: control characters (Unicode category Cc: C0, DEL, C1), with and without line breaks/tabs
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True, kw_only=True)
class _AwardFields:
    """What an award's input and its checked request both hold: the learner and the text."""

    email: str
    name: str
    external_id: str = ""
    evidence: str | None = None
    narrative: str | None = None
    result: str | None = None


@dataclass(frozen=True, kw_only=True)
class AwardInput(_AwardFields):
    """An award as it arrives at a door: the fields as typed, nothing checked yet.

    ``issued`` and ``expires`` are ISO 8601 text (or a ``datetime`` from code); empty
    text and ``None`` mean "not given" for every optional field. The API takes this very
    shape as its request body.
    """

    issued: str | datetime | None = None
    expires: str | datetime | None = None


#: the field names, in the order the CSV format and the documentation list them
FIELDS = tuple(field.name for field in fields(AwardInput))


@dataclass(frozen=True, kw_only=True)
class AwardRequest(_AwardFields):
    """An award that passed :func:`check_award`: cleaned, dates parsed; what is signed.

    Made only by :func:`check_award` (``subject_did`` is set afterwards by a caller that
    knows the learner's DID, such as a correction carrying the old subject over).
    """

    issued: datetime | None = None
    expires: datetime | None = None
    subject_did: str | None = None


@dataclass(frozen=True)
class FieldProblem:
    """One rule an award breaks: the field (an :class:`AwardInput` name) and why."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def check_award(
    award: AwardInput, *, now: datetime
) -> tuple[AwardRequest | None, list[FieldProblem]]:
    """The cleaned request, or None and every problem (one pass, all fields)."""
    problems: list[FieldProblem] = []

    def problem(field: str, message: str) -> None:
        problems.append(FieldProblem(field, message))

    email = normalize_email(award.email)
    email_problem = address_problem(award.email.strip())  # named as typed, not lower-cased
    if email_problem is not None:
        problem("email", email_problem)
    name = " ".join(award.name.split())
    if not name:
        problem("name", "the learner's name is empty")
    _check_text(name, "name", "the name", MAX_NAME, problem)
    external_id = award.external_id.strip()
    _check_text(external_id, "external_id", "the external id", MAX_EXTERNAL_ID, problem)
    evidence = _optional(award.evidence)
    if evidence is not None:
        url_problem = web_url_problem(evidence)
        if url_problem is not None:
            problem("evidence", url_problem)
    narrative = _optional(award.narrative)
    _check_text(narrative, "narrative", "the narrative", MAX_NARRATIVE, problem, lines=True)
    result = _optional(award.result)
    _check_text(result, "result", "the result", MAX_RESULT, problem)
    issued = _moment(award.issued, "issued", problem)
    expires = _moment(award.expires, "expires", problem)
    if expires is not None and expires <= (issued or now):
        when = "the issue date" if issued is not None else "now"
        problem("expires", f"{quoted(_text_of(award.expires))} is not after {when}")
    if problems:
        return None, problems
    request = AwardRequest(
        email=email,
        name=name,
        external_id=external_id,
        evidence=evidence,
        narrative=narrative,
        result=result,
        issued=issued,
        expires=expires,
    )
    return request, []


def require_award(award: AwardInput, *, now: datetime) -> AwardRequest:
    """:func:`check_award`, raising :class:`ValidationError` (problems ``"field: why"``)."""
    request, problems = check_award(award, now=now)
    if request is None:
        listed = [str(problem) for problem in problems]
        raise ValidationError("the award is not valid: " + "; ".join(listed), listed)
    return request


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


def _optional(text: str | None) -> str | None:
    stripped = (text or "").strip()
    return stripped or None


def _check_text(
    text: str | None,
    field: str,
    label: str,
    limit: int,
    problem: Callable[[str, str], None],
    *,
    lines: bool = False,
) -> None:
    """The length limit, and no control character (``lines`` allows line breaks and tabs)."""
    if text is None:
        return
    if len(text) > limit:
        problem(field, f"{label} is {len(text):,} characters; at most {limit:,}")
    if (_CONTROL_BUT_LINES if lines else _CONTROL).search(text):
        problem(field, f"{label} contains a control character (such as NUL); remove it")


def _moment(
    value: str | datetime | None, field: str, problem: Callable[[str, str], None]
) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    text = (value or "").strip()
    if not text:
        return None
    moment = parse_moment(text)
    if moment is None:
        problem(field, f"{quoted(text)} is not an ISO 8601 date such as 2026-03-01")
    return moment


def _text_of(value: str | datetime | None) -> str:
    return value.isoformat() if isinstance(value, datetime) else (value or "").strip()
