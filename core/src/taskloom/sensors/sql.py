"""SqlSensor: wait until a query's first row says so, through any ``DbApiHook``."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from taskloom.exceptions import TaskloomFailException
from taskloom.models.baseoperator import Context
from taskloom.operators.sql import BaseSQLOperator
from taskloom.sensors.base import BaseSensorOperator


class SqlSensor(BaseSensorOperator, BaseSQLOperator):
    """Run ``sql`` on every poke; done when the first cell of the first row is truthy.

    :param success: called with that cell instead; done when it returns true.
    :param failure: called with that cell; when it returns true the task fails at once.
    :param fail_on_empty: fail (instead of poking again) when the query returns no row.
    """

    template_fields: Sequence[str] = ("sql", "parameters", "conn_id")
    template_ext: Sequence[str] = (".sql",)
    ui_color = "#7c7287"

    def __init__(
        self,
        *,
        sql: str,
        parameters: Sequence[Any] | Mapping[str, Any] | None = None,
        success: Callable[[Any], bool] | None = None,
        failure: Callable[[Any], bool] | None = None,
        fail_on_empty: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sql = sql
        self.parameters = parameters
        self.success = success
        self.failure = failure
        self.fail_on_empty = fail_on_empty

    def poke(self, context: Context) -> bool:
        records = self.get_db_hook().get_records(self.sql, self.parameters)
        if not records:
            if self.fail_on_empty:
                raise TaskloomFailException(f"sensor {self.task_id!r}: the query returned no row")
            return False
        first = records[0][0]
        if self.failure is not None and self.failure(first):
            raise TaskloomFailException(
                f"sensor {self.task_id!r}: failure criteria met for the value {first!r}"
            )
        if self.success is not None:
            return bool(self.success(first))
        return bool(first) and str(first) not in ("0", "")
