"""Jinja2 templating for templated operator fields: the sandboxed environment and ``macros``.

The environment is sandboxed (a DAG file's template cannot reach Python internals) and
uses :class:`jinja2.StrictUndefined`, so a typo in ``{{ params.tabel }}`` fails the task
with the variable's name instead of rendering an empty string into a SQL statement.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from datetime import date
from datetime import datetime
from datetime import timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment


def ds_add(ds: str, days: int) -> str:
    """Add ``days`` (may be negative) to a ``YYYY-MM-DD`` date string: ``ds_add('2024-01-31', 1)``."""
    return (date.fromisoformat(ds) + timedelta(days=days)).isoformat()


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    """Re-format a date string: ``ds_format('2024-01-31', '%Y-%m-%d', '%d/%m/%Y')``."""
    return datetime.strptime(ds, input_format).strftime(output_format)


#: The ``macros`` namespace of the template context (Airflow's ``macros`` module, trimmed).
macros = SimpleNamespace(
    datetime=datetime,
    timedelta=timedelta,
    date=date,
    time=time,
    uuid=uuid,
    random=random,
    json=json,
    ds_add=ds_add,
    ds_format=ds_format,
)


def _ds(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


def _ds_nodash(value: datetime) -> str:
    return value.strftime("%Y%m%d")


def _ts(value: datetime) -> str:
    return value.isoformat()


def _ts_nodash(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


#: Filters every template can use: ``{{ data_interval_end | ds }}``.
FILTERS: dict[str, Callable[..., Any]] = {
    "ds": _ds,
    "ds_nodash": _ds_nodash,
    "ts": _ts,
    "ts_nodash": _ts_nodash,
}


def create_environment(
    searchpath: Iterable[str] = (),
    *,
    user_defined_macros: Mapping[str, Any] | None = None,
    user_defined_filters: Mapping[str, Callable[..., Any]] | None = None,
) -> SandboxedEnvironment:
    """A sandboxed Jinja2 environment with strict undefined variables.

    :param searchpath: folders ``template_ext`` files (``.sql`` ...) are loaded from, in order.
    :param user_defined_macros: extra globals (a DAG's ``user_defined_macros``).
    :param user_defined_filters: extra filters (a DAG's ``user_defined_filters``).
    """
    # jinja2 is imported on first use: ``import taskloom`` must not pay for it.
    from jinja2 import FileSystemLoader
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader(list(searchpath)),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.do"],
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    if user_defined_filters:
        env.filters.update(user_defined_filters)
    if user_defined_macros:
        env.globals.update(user_defined_macros)
    return env
