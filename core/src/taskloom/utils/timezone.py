"""Timezone helpers with the names Airflow DAG files import from ``utils.timezone``.

taskloom works in aware UTC everywhere; naive datetimes are taken as UTC (the DAG-file
convention of :mod:`taskloom.utils.dates`), not as the machine's local time.
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC
from datetime import tzinfo

from taskloom.utils.dates import to_utc
from taskloom.utils.dates import utcnow as utcnow

__all__ = [
    "convert_to_utc",
    "datetime",
    "is_localized",
    "is_naive",
    "make_aware",
    "make_naive",
    "utc",
    "utcnow",
]

#: The UTC timezone object (``timezone.utc``).
utc = UTC


def is_localized(value: dt.datetime) -> bool:
    """Whether ``value`` carries a timezone."""
    return value.utcoffset() is not None


def is_naive(value: dt.datetime) -> bool:
    """Whether ``value`` has no timezone."""
    return value.utcoffset() is None


def make_aware(value: dt.datetime, timezone: tzinfo | None = None) -> dt.datetime:
    """Attach ``timezone`` (default UTC) to a naive datetime; an aware one is converted to it.

    :raises ValueError: for an aware ``value`` when a different ``timezone`` is asked (as Airflow).
    """
    tz = timezone or UTC
    if is_localized(value):
        if timezone is not None and value.tzinfo != timezone:
            raise ValueError(f"make_aware expects a naive datetime, got {value.isoformat()}")
        return value
    return value.replace(tzinfo=tz)


def make_naive(value: dt.datetime, timezone: tzinfo | None = None) -> dt.datetime:
    """The wall-clock time of an aware ``value`` in ``timezone`` (default UTC), without tzinfo.

    :raises ValueError: for a naive ``value``.
    """
    if is_naive(value):
        raise ValueError(f"make_naive expects an aware datetime, got naive {value.isoformat()}")
    return value.astimezone(timezone or UTC).replace(tzinfo=None)


def convert_to_utc(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` in UTC (naive means UTC); ``None`` stays ``None``."""
    return to_utc(value) if value is not None else None


def datetime(*args: int, **kwargs: object) -> dt.datetime:
    """``datetime.datetime(...)`` that is UTC unless ``tzinfo=`` says otherwise."""
    kwargs.setdefault("tzinfo", UTC)
    return dt.datetime(*args, **kwargs)  # type: ignore[arg-type]
