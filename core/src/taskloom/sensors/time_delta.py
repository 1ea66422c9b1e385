"""TimeDeltaSensor: wait until a delay after the end of the run's data interval."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from taskloom.models.baseoperator import Context
from taskloom.sensors.base import BaseSensorOperator
from taskloom.utils.dates import to_utc
from taskloom.utils.dates import utcnow


class TimeDeltaSensor(BaseSensorOperator):
    """Done once ``data_interval_end + delta`` has passed (in 1.10 terms: the next
    schedule after ``execution_date``, plus ``delta``)."""

    def __init__(self, *, delta: timedelta, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.delta = delta

    def poke(self, context: Context) -> bool:
        end = context.get("data_interval_end") or context["logical_date"]
        target = to_utc(end) + self.delta
        self.task_log(context).info("Waiting until %s", target.isoformat())
        return utcnow() > target
