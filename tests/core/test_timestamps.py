"""One reading of date-times for credentials, proofs, status lists and VC-JWTs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from credstack.core.credential import xsd_datetime
from credstack.core.proofs.data_integrity import format_created
from credstack.core.timestamps import format_datetime, is_datetime_stamp, parse_datetime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-15T09:00:00Z", datetime(2026, 1, 15, 9, tzinfo=UTC)),
        ("2026-01-15T09:00:00z", datetime(2026, 1, 15, 9, tzinfo=UTC)),
        (" 2026-01-15T11:00:00+02:00 ", datetime(2026, 1, 15, 9, tzinfo=UTC)),
        ("2026-01-15T09:00:00", datetime(2026, 1, 15, 9, tzinfo=UTC)),
    ],
)
def test_parse_datetime_reads_the_forms_credentials_use(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize("value", ["2026-01-15", "yesterday", "", 1767225600, None])
def test_parse_datetime_refuses_what_is_not_a_date_time(value: object) -> None:
    assert parse_datetime(value) is None


def test_a_zone_can_be_required() -> None:
    assert parse_datetime("2026-01-15T09:00:00", zone_required=True) is None
    moment = parse_datetime("2026-01-15T09:00:00Z", zone_required=True)
    assert moment == datetime(2026, 1, 15, 9, tzinfo=UTC)


def test_is_datetime_stamp_wants_a_zone() -> None:
    assert is_datetime_stamp("2024-05-01T12:00:00Z")
    assert is_datetime_stamp("2024-05-01T12:00:00.5+14:00")
    assert not is_datetime_stamp("2024-05-01T12:00:00")
    assert not is_datetime_stamp("2024-05-01 12:00:00Z")
    assert not is_datetime_stamp(20240501)


def test_every_writer_of_date_times_writes_the_same_text() -> None:
    moment = datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(moment) == "2024-05-01T12:00:00Z"
    assert xsd_datetime(moment) == format_datetime(moment)
    assert format_created(moment) == format_datetime(moment)
    assert format_datetime(datetime(2024, 5, 1, 12)) == "2024-05-01T12:00:00Z"
