"""DateTimeSensor: wait until a date and time (templated)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from taskloom.models.baseoperator import Context
from taskloom.sensors.base import BaseSensorOperator
from taskloom.utils.dates import parse_datetime
from taskloom.utils.dates import to_utc
from taskloom.utils.dates import utcnow


class DateTimeSensor(BaseSensorOperator):
    """Done once ``target_time`` has passed.

    :param target_time: a datetime, or a templated ISO 8601 string such as
        ``"{{ data_interval_end + macros.timedelta(hours=1) }}"`` (naive means UTC).
    """

    template_fields = ("target_time",)

    def __init__(self, *, target_time: datetime | str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(target_time, (datetime, str)):
            raise TypeError(
                f"task {self.task_id!r}: target_time must be a datetime or a string, got {target_time!r}"
            )
        self.target_time = (
            target_time.isoformat() if isinstance(target_time, datetime) else target_time
        )

    def poke(self, context: Context) -> bool:
        target = to_utc(parse_datetime(str(self.target_time)))
        self.task_log(context).info("Waiting until %s", target.isoformat())
        return utcnow() > target
