"""ExternalTaskSensor: wait for a task (or a whole run) of another DAG; ExternalTaskMarker."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta
from typing import Any

from taskloom.exceptions import TaskloomFailException
from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context
from taskloom.sensors.base import BaseSensorOperator
from taskloom.utils.dates import to_utc


class ExternalTaskSensor(BaseSensorOperator):
    """Done when ``external_task_id`` of ``external_dag_id`` (or, without a task id, the
    DAG's run) has one of ``allowed_states`` in the run at the same logical date.

    :param execution_delta: look at the run ``logical_date - execution_delta`` instead.
    :param execution_date_fn: or compute that date: ``fn(logical_date, context)``.
    :param failed_states: states that fail this sensor at once.
    """

    template_fields = ("external_dag_id", "external_task_id")
    ui_color = "#19647e"

    def __init__(
        self,
        *,
        external_dag_id: str,
        external_task_id: str | None = None,
        allowed_states: Iterable[str] | None = None,
        failed_states: Iterable[str] | None = None,
        execution_delta: timedelta | None = None,
        execution_date_fn: Callable[..., datetime] | None = None,
        check_existence: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if execution_delta is not None and execution_date_fn is not None:
            raise ValueError(
                f"sensor {self.task_id!r}: pass execution_delta or execution_date_fn, not both"
            )
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        self.allowed_states = [str(s) for s in (allowed_states or ["success"])]
        self.failed_states = [str(s) for s in (failed_states or [])]
        self.execution_delta = execution_delta
        self.execution_date_fn = execution_date_fn
        self.check_existence = check_existence

    def _date(self, context: Context) -> datetime:
        logical = to_utc(context["logical_date"])
        if self.execution_delta is not None:
            return logical - self.execution_delta
        if self.execution_date_fn is not None:
            from taskloom.operators.python import determine_kwargs

            kwargs = determine_kwargs(self.execution_date_fn, [logical], {}, context)
            return to_utc(self.execution_date_fn(logical, **kwargs))
        return logical

    def poke(self, context: Context) -> bool:
        from taskloom.store import dag_runs
        from taskloom.store import task_instances

        when = self._date(context)
        conn = context["ti"].conn
        if self.external_task_id is None:
            row: tuple[str | None] | None = dag_runs.state_at(
                conn, self.external_dag_id, when.isoformat()
            )
            what = f"DAG {self.external_dag_id!r}"
        else:
            row = task_instances.state_at(
                conn, self.external_dag_id, self.external_task_id, when.isoformat()
            )
            what = f"task {self.external_dag_id}.{self.external_task_id}"
        state = row[0] if row is not None else None
        self.task_log(context).info("%s at %s is %s", what, when.isoformat(), state or "not there")
        if row is None and self.check_existence:
            raise TaskloomFailException(
                f"sensor {self.task_id!r}: {what} has no run at {when.isoformat()}"
            )
        if state in self.failed_states:
            raise TaskloomFailException(f"sensor {self.task_id!r}: {what} is {state}")
        return state in self.allowed_states


class ExternalTaskMarker(BaseOperator):
    """Marks that a task of another DAG depends on this one (for clearing across DAGs);
    running it does nothing."""

    template_fields = ("external_dag_id", "external_task_id", "execution_date")
    ui_color = "#19647e"

    def __init__(
        self,
        *,
        external_dag_id: str,
        external_task_id: str,
        execution_date: str = "{{ logical_date.isoformat() }}",
        recursion_depth: int = 10,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        self.execution_date = execution_date
        self.recursion_depth = recursion_depth

    def execute(self, context: Context) -> None:
        return None
