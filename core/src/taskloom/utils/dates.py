"""Date helpers.  taskloom works in timezone-aware UTC everywhere; naive input is UTC."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def to_utc(value: datetime | date) -> datetime:
    """Return ``value`` as an aware UTC datetime.

    A naive datetime is taken as UTC (the documented convention for DAG files); an aware one
    is converted; a plain :class:`~datetime.date` means midnight UTC of that day.
    """
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 date or datetime (``2024-01-31``, ``2024-01-31T06:00:00+02:00``) to UTC.

    :raises ValueError: naming the text and the expected format.
    """
    try:
        return to_utc(datetime.fromisoformat(text))
    except ValueError:
        raise ValueError(
            f"{text!r} is not an ISO 8601 date or datetime; write e.g. 2024-01-31 or 2024-01-31T06:00:00"
        ) from None


def days_ago(n: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """Midnight UTC (or the given time of day) ``n`` days ago, as 1.x DAG files use for ``start_date``.

    Prefer a fixed ``start_date``: a moving one changes the schedule every time the file is read.
    """
    today = utcnow().replace(hour=hour, minute=minute, second=second, microsecond=0)
    return today - timedelta(days=n)
