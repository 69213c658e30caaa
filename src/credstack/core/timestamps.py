"""XML Schema dateTime values as VCs use them: parse leniently, write strictly (UTC, ``Z``).

One place for every date-time a credential, a proof, a status list or a VC-JWT carries,
so that a value read in one check is read the same way in all the others.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_DATETIME_STAMP = re.compile(
    r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
    r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)


def parse_datetime(value: object, *, zone_required: bool = False) -> datetime | None:
    """A timezone-aware datetime, or None when the value is not a dateTime text.

    A value without a zone is read as UTC, which is what VC processors do in practice;
    with ``zone_required`` (the ``dateTimeStamp`` of a list or proof we must trust) it
    is refused instead.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) < 10 or "T" not in text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        return parsed
    return None if zone_required else parsed.replace(tzinfo=UTC)


def is_datetime_stamp(value: object) -> bool:
    """True for an XML Schema 1.1 ``dateTimeStamp`` (a date-time with a time zone)."""
    return isinstance(value, str) and _DATETIME_STAMP.fullmatch(value) is not None


def format_datetime(moment: datetime) -> str:
    """UTC, whole seconds, ``Z`` suffix: the form every OB 3.0 validator accepts.

    A naive ``datetime`` is taken to be UTC.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def numeric_date(moment: datetime) -> int:
    """A JWT NumericDate (RFC 7519): whole seconds since the epoch."""
    return int(moment.timestamp())


def from_numeric_date(value: object) -> datetime | None:
    """A JWT NumericDate (``nbf``, ``exp``) as an aware UTC datetime, or None if it is not one."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
