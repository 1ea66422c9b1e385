"""``taskloom.macros``: the helpers Airflow DAG files call as ``macros.ds_add(ds, 1)``.

The one definition of the macros: importable from Python (``from taskloom.macros import
ds_add``), and in templates as ``{{ macros.ds_add(ds, 1) }}`` -- the template context's
``macros`` is built from this module's ``__all__`` (:data:`taskloom.utils.templating.macros`).
Only functions, classes and constants are exposed, never a module object: a template that
reaches a module can reach everything that module imports.  So ``macros.uuid``,
``macros.time`` and ``macros.json`` are namespaces holding the functions Airflow users call
(``macros.uuid.uuid4()``, ``macros.time.time()``), and ``macros.random()`` is
:func:`random.random`, as in Airflow.
"""

from __future__ import annotations

import json as _json
import random as _random
import time as _time
import uuid as _uuid
from datetime import date as date
from datetime import datetime as datetime
from datetime import timedelta as timedelta
from types import SimpleNamespace

__all__ = [
    "date",
    "datetime",
    "datetime_diff_for_humans",
    "ds_add",
    "ds_format",
    "json",
    "random",
    "time",
    "timedelta",
    "uuid",
]


def ds_add(ds: str, days: int) -> str:
    """Add ``days`` (may be negative) to a ``YYYY-MM-DD`` date string: ``ds_add('2024-01-31', 1)``."""
    return (date.fromisoformat(ds) + timedelta(days=days)).isoformat()


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    """Re-format a date string: ``ds_format('2024-01-31', '%Y-%m-%d', '%d/%m/%Y')``."""
    return datetime.strptime(ds, input_format).strftime(output_format)


class _RandomMacro(SimpleNamespace):
    """``macros.random()`` as in Airflow (:func:`random.random`), plus ``macros.random.randint``,
    ``choice``, ``uniform`` and ``random`` -- the functions, never the module."""

    def __call__(self) -> float:
        return _random.random()


#: ``macros.random()``, ``macros.random.randint(1, 6)``.
random = _RandomMacro(
    random=_random.random, randint=_random.randint, choice=_random.choice, uniform=_random.uniform
)

#: ``macros.time.time()``, ``macros.time.strftime(...)``: the functions of :mod:`time` a template needs.
time = SimpleNamespace(
    time=_time.time,
    time_ns=_time.time_ns,
    monotonic=_time.monotonic,
    strftime=_time.strftime,
    strptime=_time.strptime,
    gmtime=_time.gmtime,
    localtime=_time.localtime,
    mktime=_time.mktime,
)

#: ``macros.uuid.uuid4()``: the constructors and namespaces of :mod:`uuid`.
uuid = SimpleNamespace(
    uuid1=_uuid.uuid1,
    uuid3=_uuid.uuid3,
    uuid4=_uuid.uuid4,
    uuid5=_uuid.uuid5,
    UUID=_uuid.UUID,
    NAMESPACE_DNS=_uuid.NAMESPACE_DNS,
    NAMESPACE_URL=_uuid.NAMESPACE_URL,
    NAMESPACE_OID=_uuid.NAMESPACE_OID,
    NAMESPACE_X500=_uuid.NAMESPACE_X500,
)

#: ``macros.json.dumps(params)``.
json = SimpleNamespace(dumps=_json.dumps, loads=_json.loads)


def datetime_diff_for_humans(dt: datetime, since: datetime | None = None) -> str:
    """``'3 hours ago'``, ``'in 2 days'``: how far ``dt`` is from ``since`` (default now)."""
    from taskloom.utils.timezone import make_aware
    from taskloom.utils.timezone import utcnow

    delta = make_aware(dt) - make_aware(since or utcnow())
    seconds = abs(delta.total_seconds())
    unit, size = next(
        (u, s)
        for u, s in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
        if seconds >= s or u == "second"
    )
    count = int(seconds // size)
    text = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {text}" if delta.total_seconds() > 0 else f"{text} ago"
