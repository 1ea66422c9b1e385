"""DayOfWeekSensor: wait until a day of the week."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from taskloom.models.baseoperator import Context
from taskloom.sensors.base import BaseSensorOperator
from taskloom.utils.dates import to_utc
from taskloom.utils.dates import utcnow

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def _day_numbers(week_day: str | Iterable[str], task_id: str) -> frozenset[int]:
    names = [week_day] if isinstance(week_day, str) else list(week_day)
    numbers = set()
    for name in names:
        upper = str(getattr(name, "value", name)).upper()
        if upper not in DAYS:
            raise ValueError(
                f"task {task_id!r}: week_day {name!r} is not a day name; use one of "
                + ", ".join(d.title() for d in DAYS)
            )
        numbers.add(DAYS.index(upper))
    return frozenset(numbers)


class DayOfWeekSensor(BaseSensorOperator):
    """Done on the given day(s) of the week (UTC).

    :param week_day: a day name (``"Saturday"``), or several.
    :param use_task_execution_day: check the run's logical date instead of today.
    """

    def __init__(
        self,
        *,
        week_day: str | Iterable[str],
        use_task_execution_day: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.week_day = week_day
        self._days = _day_numbers(week_day, self.task_id)
        self.use_task_execution_day = use_task_execution_day

    def poke(self, context: Context) -> bool:
        when = to_utc(context["logical_date"]) if self.use_task_execution_day else utcnow()
        return when.weekday() in self._days
