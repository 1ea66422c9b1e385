"""The 1.x template context keys (``execution_date``, ``next_ds``...), with Airflow 1.10's values.

The rule, as Airflow 1.10 computes them for a task instance of logical date ``L``:

- ``execution_date`` is ``L``; ``yesterday_ds``/``tomorrow_ds`` are ``L`` -/+ one day;
  ``end_date`` and ``latest_date`` are ``ds``; ``ts_nodash_with_tz`` is ``ts`` without
  ``-`` and ``:``; ``task_instance_key_str`` is ``<dag_id>__<task_id>__<ds_nodash>``.
- Scheduled (and backfill) runs: ``prev_execution_date``/``next_execution_date`` are the
  schedule boundaries just before and after ``L`` (for ``@daily``, ``L`` -/+ one day);
  ``None``, with ``prev_ds``/``next_ds`` ``None``, when the DAG has no recurring schedule.
- Manual runs (``external_trigger`` in 1.10): both are ``L`` itself.
- ``prev_execution_date_success``/``prev_start_date_success``: the logical date and start
  of this task's latest successful run before ``L`` (``None`` if there is none).

Each key is deprecated: :data:`REPLACEMENTS` names what to use instead, and reading one
warns once per task (:class:`Context`).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Final

from taskloom.utils.dates import parse_datetime

#: 1.x context key -> what to use instead (shown in the deprecation warning).
REPLACEMENTS: Final[dict[str, str]] = {
    "execution_date": "logical_date",
    "next_execution_date": "data_interval_end",
    "next_ds": "{{ data_interval_end | ds }}",
    "next_ds_nodash": "{{ data_interval_end | ds_nodash }}",
    "prev_execution_date": "data_interval_start",
    "prev_ds": "{{ data_interval_start | ds }}",
    "prev_ds_nodash": "{{ data_interval_start | ds_nodash }}",
    "yesterday_ds": "{{ macros.ds_add(ds, -1) }}",
    "yesterday_ds_nodash": "{{ macros.ds_format(macros.ds_add(ds, -1), '%Y-%m-%d', '%Y%m%d') }}",
    "tomorrow_ds": "{{ macros.ds_add(ds, 1) }}",
    "tomorrow_ds_nodash": "{{ macros.ds_format(macros.ds_add(ds, 1), '%Y-%m-%d', '%Y%m%d') }}",
    "ts_nodash_with_tz": "{{ ts | replace('-', '') | replace(':', '') }}",
    "task_instance_key_str": "{{ dag.dag_id }}__{{ task.task_id }}__{{ ds_nodash }}",
    "prev_execution_date_success": "the previous successful run, from the metadata DB",
    "prev_start_date_success": "the previous successful run, from the metadata DB",
    "inlets": "nothing (taskloom has no lineage)",
    "outlets": "nothing (taskloom has no lineage)",
    "end_date": "ds",
    "latest_date": "ds",
}


def _ds(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d") if value is not None else None


def _nodash(value: str | None) -> str | None:
    return value.replace("-", "") if value is not None else None


def _previous_success(ti: Any, logical_date: datetime) -> tuple[datetime | None, ...]:
    from taskloom.store import task_instances

    row = task_instances.previous_success(ti.conn, ti.dag_id, ti.task_id, logical_date.isoformat())
    if row is None:
        return None, None
    return parse_datetime(row[0]), parse_datetime(row[1]) if row[1] else None


def legacy_values(ti: Any, task: Any, dag_run: Any) -> dict[str, Any]:
    """The 1.x keys of one task instance's context (see the module docstring for the rule).

    ``ti``, ``task`` and ``dag_run`` are a TaskInstance, an operator and a DagRun (typed
    ``Any``: this module sits below the models, which import it).
    """
    logical = dag_run.logical_date
    ds = logical.strftime("%Y-%m-%d")
    if dag_run.run_type == "manual":
        prev: datetime | None = logical
        following: datetime | None = logical
    else:
        timetable = task.dag.timetable if task.dag is not None else None
        prev = timetable.previous_schedule(logical) if timetable is not None else None
        following = timetable.following_schedule(logical) if timetable is not None else None
    yesterday = _ds(logical - timedelta(days=1))
    tomorrow = _ds(logical + timedelta(days=1))
    prev_success, prev_start = _previous_success(ti, logical)
    return {
        "execution_date": logical,
        "next_execution_date": following,
        "next_ds": _ds(following),
        "next_ds_nodash": _nodash(_ds(following)),
        "prev_execution_date": prev,
        "prev_ds": _ds(prev),
        "prev_ds_nodash": _nodash(_ds(prev)),
        "yesterday_ds": yesterday,
        "yesterday_ds_nodash": _nodash(yesterday),
        "tomorrow_ds": tomorrow,
        "tomorrow_ds_nodash": _nodash(tomorrow),
        "ts_nodash_with_tz": logical.isoformat().replace("-", "").replace(":", ""),
        "task_instance_key_str": f"{task.dag_id}__{task.task_id}__{_nodash(ds)}",
        "prev_execution_date_success": prev_success,
        "prev_start_date_success": prev_start,
        "inlets": list(getattr(task, "inlets", None) or []),
        "outlets": list(getattr(task, "outlets", None) or []),
        "end_date": ds,
        "latest_date": ds,
    }


def deprecated_key_warning(key: str, task_id: str) -> DeprecationWarning:
    """The warning for reading the 1.x context key ``key`` in task ``task_id``."""
    return DeprecationWarning(
        f"task {task_id!r} reads the context key {key!r}, deprecated and removed in taskloom "
        f"3.0; use {REPLACEMENTS[key]} instead"
    )


class Context(dict[str, Any]):
    """The template context: a dict that warns, once per task, when a 1.x key is read."""

    def _warn(self, key: str) -> None:
        task = super().__getitem__("task")
        warned: set[str] = task.__dict__.setdefault("_warned_context_keys", set())
        if key not in warned:
            warned.add(key)
            from taskloom.models.dag_context import user_stacklevel

            warnings.warn(deprecated_key_warning(key, task.task_id), stacklevel=user_stacklevel())

    def __getitem__(self, key: str) -> Any:
        if key in REPLACEMENTS:
            self._warn(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        if key in REPLACEMENTS and key in self:
            self._warn(key)
        return super().get(key, default)


def warn_for_names(names: Iterable[str], task: Any, filename: str, lineno: int) -> None:
    """Warn for each 1.x key among ``names`` (read by a template or a callable), once per
    task, attributed to ``filename:lineno`` (the template's task or the callable)."""
    warned: set[str] = task.__dict__.setdefault("_warned_context_keys", set())
    for key in sorted(set(names) & REPLACEMENTS.keys() - warned):
        warned.add(key)
        warnings.warn_explicit(
            deprecated_key_warning(key, task.task_id), DeprecationWarning, filename, lineno
        )


def callable_reads(func: Any) -> set[str]:
    """The 1.x context keys a callable may read: its parameter names, and, for a
    ``**kwargs`` callable, the string constants of its code (``kwargs["next_ds"]``)."""
    code = getattr(func, "__code__", None)
    if code is None:
        return set()
    names = set(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    if code.co_flags & inspect.CO_VARKEYWORDS:
        names |= {c for c in code.co_consts if isinstance(c, str)}
    return names & REPLACEMENTS.keys()
