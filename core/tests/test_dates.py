"""Date helpers: everything is aware UTC."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from taskloom.utils.dates import days_ago
from taskloom.utils.dates import parse_datetime
from taskloom.utils.dates import to_utc
from taskloom.utils.dates import utcnow


def test_to_utc() -> None:
    """Naive is UTC, aware is converted, a date is midnight UTC."""
    assert to_utc(datetime(2024, 1, 1, 5)) == datetime(2024, 1, 1, 5, tzinfo=UTC)
    assert to_utc(datetime(2024, 1, 1, 5, tzinfo=timezone(timedelta(hours=5)))) == datetime(
        2024, 1, 1, tzinfo=UTC
    )
    assert to_utc(date(2024, 1, 2)) == datetime(2024, 1, 2, tzinfo=UTC)


def test_parse_datetime() -> None:
    """ISO dates and datetimes parse to UTC; junk names the expected format."""
    assert parse_datetime("2024-01-31") == datetime(2024, 1, 31, tzinfo=UTC)
    assert parse_datetime("2024-01-31T06:00:00+02:00") == datetime(2024, 1, 31, 4, tzinfo=UTC)
    with pytest.raises(ValueError, match="'yesterday' is not an ISO 8601"):
        parse_datetime("yesterday")


def test_days_ago_is_midnight_utc() -> None:
    """days_ago(n) is midnight UTC n days back."""
    before = utcnow()
    value = days_ago(2)
    after = utcnow()
    assert value.tzinfo is UTC
    assert (value.hour, value.minute, value.second) == (0, 0, 0)
    assert value.date() in {(before - timedelta(days=2)).date(), (after - timedelta(days=2)).date()}
