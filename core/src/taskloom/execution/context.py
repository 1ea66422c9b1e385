"""The template context a task sees: ``context["ds"]``, ``{{ ti }}``, ``{{ var.value.x }}``..."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from taskloom.models.baseoperator import BaseOperator
    from taskloom.models.dagrun import DagRun
    from taskloom.models.taskinstance import TaskInstance


class _VariableValues:
    """``var.value.<key>`` (text) and ``var.json.<key>`` (parsed JSON), read on access."""

    def __init__(self, deserialize_json: bool) -> None:
        self._json = deserialize_json

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        from taskloom.models.variable import Variable

        return Variable.get(key, deserialize_json=self._json)

    def get(self, key: str, default_var: Any = None) -> Any:
        """``var.value.get("key", "fallback")``: the value, or the default when it does not exist."""
        from taskloom.models.variable import Variable

        return Variable.get(key, default_var=default_var, deserialize_json=self._json)


class VariableAccessor:
    """The ``var`` entry of the context."""

    def __init__(self) -> None:
        self.value = _VariableValues(deserialize_json=False)
        self.json = _VariableValues(deserialize_json=True)


class ConnectionAccessor:
    """The ``conn`` entry of the context: ``conn.my_id`` looks the connection up on access."""

    def __getattr__(self, conn_id: str) -> Any:
        if conn_id.startswith("__"):
            raise AttributeError(conn_id)
        from taskloom.hooks.base import BaseHook

        return BaseHook.get_connection(conn_id)

    def get(self, conn_id: str) -> Any:
        """``conn.get("my-id")`` for ids that are not Python identifiers."""
        return self.__getattr__(conn_id)


def build_context(
    ti: TaskInstance, task: BaseOperator, dag_run: DagRun, *, test_mode: bool = False
) -> dict[str, Any]:
    """Return the context of one task try, with the keys Airflow users know."""
    from taskloom.utils.legacy_context import Context
    from taskloom.utils.legacy_context import legacy_values
    from taskloom.utils.templating import macros

    logical_date = dag_run.logical_date
    dag = task.dag
    # The task's params already hold the DAG's; a run's conf overrides them, validated.
    params = task.params.resolve(dag_run.conf)
    return Context(
        {
            "conf": dag_run.conf,
            "dag": dag,
            "dag_run": dag_run,
            "data_interval_end": dag_run.data_interval_end,
            "data_interval_start": dag_run.data_interval_start,
            "ds": logical_date.strftime("%Y-%m-%d"),
            "ds_nodash": logical_date.strftime("%Y%m%d"),
            "logical_date": logical_date,
            "macros": macros,
            "params": params,
            "run_id": dag_run.run_id,
            "task": task,
            "task_instance": ti,
            "ti": ti,
            "test_mode": test_mode,
            "ts": logical_date.isoformat(),
            "ts_nodash": logical_date.strftime("%Y%m%dT%H%M%S"),
            "var": VariableAccessor(),
            "conn": ConnectionAccessor(),
            # The 1.x keys (execution_date, next_ds...): they warn when read.
            **legacy_values(ti, task, dag_run),
        }
    )
