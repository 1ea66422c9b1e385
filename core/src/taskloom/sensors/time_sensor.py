"""TimeSensor: wait until a time of day (UTC)."""

from __future__ import annotations

from datetime import time
from typing import Any

from taskloom.models.baseoperator import Context
from taskloom.sensors.base import BaseSensorOperator
from taskloom.utils.dates import utcnow


class TimeSensor(BaseSensorOperator):
    """Done once the UTC time of day is past ``target_time`` (as Airflow 1.10 compares it)."""

    def __init__(self, *, target_time: time, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(target_time, time):
            raise TypeError(
                f"task {self.task_id!r}: target_time must be a datetime.time, got {target_time!r}"
            )
        self.target_time = target_time

    def poke(self, context: Context) -> bool:
        self.task_log(context).info("Waiting until %s UTC", self.target_time.isoformat())
        now = utcnow()
        target = self.target_time
        if target.tzinfo is not None:
            return now.timetz() > target
        return now.time() > target
