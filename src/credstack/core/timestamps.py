"""XML Schema dateTime values as VCs use them: parse leniently, write strictly (UTC, ``Z``)."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_datetime(value: str) -> datetime | None:
    """A timezone-aware datetime, or None when the text is not a dateTime.

    A value without a zone is read as UTC, which is what VC processors do in practice.
    """
    text = value.strip()
    if len(text) < 10 or "T" not in text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_datetime(moment: datetime) -> str:
    """UTC, whole seconds, ``Z`` suffix: the form every OB 3.0 validator accepts."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
