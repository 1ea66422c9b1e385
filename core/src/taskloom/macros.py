"""``taskloom.macros``: the helpers Airflow DAG files call as ``macros.ds_add(ds, 1)``.

Importable from Python (``from taskloom.macros import ds_add``) and, in templates, through
the ``macros`` context entry.  Only functions, classes and constants are exposed, never a
module object: a template that reaches a module can reach everything that module imports.
So ``macros.uuid`` and ``macros.time`` are namespaces holding the functions Airflow users
call (``macros.uuid.uuid4()``, ``macros.time.time()``), and ``macros.random`` is the
function ``random.random``, as in Airflow.
"""

from __future__ import annotations

import time as _time
import uuid as _uuid
from datetime import date as date
from datetime import datetime as datetime
from datetime import timedelta as timedelta
from random import random as random
from types import SimpleNamespace

from taskloom.utils.templating import ds_add as ds_add
from taskloom.utils.templating import ds_format as ds_format

__all__ = [
    "date",
    "datetime",
    "datetime_diff_for_humans",
    "ds_add",
    "ds_format",
    "random",
    "time",
    "timedelta",
    "uuid",
]

#: ``macros.time.time()``, ``macros.time.strftime(...)``: the functions of :mod:`time` a template needs.
time = SimpleNamespace(
    time=_time.time,
    strftime=_time.strftime,
    gmtime=_time.gmtime,
    localtime=_time.localtime,
    mktime=_time.mktime,
)

#: ``macros.uuid.uuid4()``: the constructors and namespaces of :mod:`uuid`.
uuid = SimpleNamespace(
    UUID=_uuid.UUID,
    uuid1=_uuid.uuid1,
    uuid3=_uuid.uuid3,
    uuid4=_uuid.uuid4,
    uuid5=_uuid.uuid5,
    NAMESPACE_DNS=_uuid.NAMESPACE_DNS,
    NAMESPACE_URL=_uuid.NAMESPACE_URL,
)


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
