"""Schedules: when DAG runs happen and which data interval each covers.

Semantics are Airflow 2's: a scheduled run's ``logical_date`` is the start of its data
interval, and the run is due once the interval has ended (``data_interval_end <= now``).
All times are timezone-aware UTC; cron expressions are evaluated in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Final

from taskloom.exceptions import InvalidScheduleError
from taskloom.utils.dates import to_utc

if TYPE_CHECKING:
    from cronsim import CronSim

#: Schedule presets and the cron expression each stands for.
PRESETS: Final[dict[str, str]] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


@dataclass(frozen=True, slots=True)
class DagRunInfo:
    """When one DAG run happens: its logical date and the data interval it covers."""

    logical_date: datetime
    data_interval_start: datetime
    data_interval_end: datetime

    def is_due(self, now: datetime) -> bool:
        """Whether the run may start at ``now`` (its data interval has ended)."""
        return self.data_interval_end <= to_utc(now)

    @classmethod
    def interval(cls, start: datetime, end: datetime) -> DagRunInfo:
        """A scheduled run over ``[start, end)``: its logical date is ``start``."""
        return cls(start, start, end)


@dataclass(frozen=True, slots=True)
class Restriction:
    """Limits on the runs a timetable may produce: the DAG's start/end dates and catchup."""

    earliest: datetime | None
    latest: datetime | None
    catchup: bool


class Timetable:
    """Base class: a schedule with no automatic runs (``schedule=None``)."""

    #: Shown by ``taskloom dags list``.
    summary: str = "None"

    def next_dagrun_info(
        self, last: DagRunInfo | None, restriction: Restriction, now: datetime
    ) -> DagRunInfo | None:
        """The run after ``last`` (``None``: the first run), or ``None`` if there is none."""
        return None

    def infer_manual_data_interval(self, logical_date: datetime) -> DagRunInfo:
        """The data interval of a run triggered by hand at ``logical_date``."""
        return DagRunInfo(logical_date, logical_date, logical_date)

    def next_interval_after(self, info: DagRunInfo) -> DagRunInfo | None:
        """The interval that follows ``info``, ignoring start/end dates and catchup."""
        return None

    def following_schedule(self, when: datetime) -> datetime | None:
        """The first schedule boundary after ``when`` (``None`` without a recurring schedule)."""
        return None

    def previous_schedule(self, when: datetime) -> datetime | None:
        """The last schedule boundary before ``when`` (``None`` without a recurring schedule)."""
        return None


class OnceTimetable(Timetable):
    """``@once``: one run at ``start_date``."""

    summary = "@once"

    def next_dagrun_info(
        self, last: DagRunInfo | None, restriction: Restriction, now: datetime
    ) -> DagRunInfo | None:
        if last is not None or restriction.earliest is None:
            return None
        if restriction.latest is not None and restriction.earliest > restriction.latest:
            return None
        return DagRunInfo.interval(restriction.earliest, restriction.earliest)


class _IntervalTimetable(Timetable):
    """A schedule of back-to-back intervals; subclasses say where boundaries fall."""

    def _next(self, when: datetime) -> datetime:
        """The first boundary strictly after ``when``."""
        raise NotImplementedError

    def _prev(self, when: datetime) -> datetime:
        """The last boundary strictly before ``when``."""
        raise NotImplementedError

    def _align_to_next(self, when: datetime) -> datetime:
        """``when`` if it is a boundary, else the next boundary."""
        return when

    def _align_to_prev(self, when: datetime) -> datetime:
        """``when`` if it is a boundary, else the previous boundary."""
        return when

    def _latest_complete_start(self, now: datetime) -> datetime:
        """Start of the latest interval that has ended at ``now``."""
        return self._prev(self._align_to_prev(now))

    def next_dagrun_info(
        self, last: DagRunInfo | None, restriction: Restriction, now: datetime
    ) -> DagRunInfo | None:
        earliest = restriction.earliest
        if earliest is not None:
            earliest = self._align_to_next(earliest)
        if not restriction.catchup:
            latest_start = self._latest_complete_start(now)
            earliest = latest_start if earliest is None else max(earliest, latest_start)
        if last is None:
            if earliest is None:
                return None
            start = earliest
        else:
            start = self._align_to_prev(last.data_interval_end)
            if earliest is not None:
                start = max(start, earliest)
        if restriction.latest is not None and start > restriction.latest:
            return None
        return DagRunInfo.interval(start, self._next(start))

    def infer_manual_data_interval(self, logical_date: datetime) -> DagRunInfo:
        end = self._align_to_prev(logical_date)
        return DagRunInfo(logical_date, self._prev(end), end)

    def next_interval_after(self, info: DagRunInfo) -> DagRunInfo | None:
        start = self._align_to_prev(info.data_interval_end)
        return DagRunInfo.interval(start, self._next(start))

    def following_schedule(self, when: datetime) -> datetime | None:
        return self._next(when)

    def previous_schedule(self, when: datetime) -> datetime | None:
        return self._prev(when)


class CronTimetable(_IntervalTimetable):
    """A cron expression (or preset): each interval runs from one fire time to the next."""

    def __init__(self, expression: str) -> None:
        self.expression = PRESETS.get(expression, expression)
        self.summary = expression
        # cronsim is imported here, not at module import: ``import taskloom`` stays cheap.
        from cronsim import CronSim
        from cronsim import CronSimError

        self._cronsim: type[CronSim] = CronSim
        try:
            CronSim(self.expression, datetime(2000, 1, 1))
        except CronSimError as exc:
            raise InvalidScheduleError(
                f"schedule {expression!r} is not a valid cron expression ({exc}); use five "
                f"fields like '0 6 * * 1-5', a preset ({', '.join(PRESETS)}), a timedelta or None"
            ) from None

    def _next(self, when: datetime) -> datetime:
        return to_utc(next(self._cronsim(self.expression, when)))

    def _prev(self, when: datetime) -> datetime:
        return to_utc(next(self._cronsim(self.expression, when, reverse=True)))

    def _align_to_next(self, when: datetime) -> datetime:
        return when if self._prev(self._next(when)) == when else self._next(when)

    def _align_to_prev(self, when: datetime) -> datetime:
        return when if self._next(self._prev(when)) == when else self._prev(when)


class DeltaTimetable(_IntervalTimetable):
    """A :class:`~datetime.timedelta`: intervals of that length from ``start_date``."""

    def __init__(self, delta: timedelta) -> None:
        if delta <= timedelta(0):
            raise InvalidScheduleError(
                f"schedule {delta!r} must be a positive timedelta, e.g. timedelta(hours=6)"
            )
        self.delta = delta
        self.summary = str(delta)

    def _next(self, when: datetime) -> datetime:
        return when + self.delta

    def _prev(self, when: datetime) -> datetime:
        return when - self.delta

    def _latest_complete_start(self, now: datetime) -> datetime:
        return now - self.delta


def create_timetable(schedule: str | timedelta | Timetable | None) -> Timetable:
    """Build the timetable for a DAG's ``schedule`` argument.

    :raises InvalidScheduleError: naming the schedule and the accepted forms.
    """
    if schedule is None:
        return Timetable()
    if isinstance(schedule, Timetable):
        return schedule
    if isinstance(schedule, timedelta):
        return DeltaTimetable(schedule)
    if schedule == "@once":
        return OnceTimetable()
    if isinstance(schedule, str):
        if schedule.startswith("@") and schedule not in PRESETS:
            raise InvalidScheduleError(
                f"unknown schedule preset {schedule!r}; use one of: @once, {', '.join(PRESETS)}"
            )
        return CronTimetable(schedule)
    raise InvalidScheduleError(
        f"schedule must be None, a cron string, a preset or a timedelta, got {schedule!r}"
    )


def iter_between(timetable: Timetable, start: datetime, end: datetime) -> Iterator[DagRunInfo]:
    """Every scheduled run whose logical date lies in ``[start, end]`` (for backfills)."""
    restriction = Restriction(to_utc(start), to_utc(end), catchup=True)
    info = timetable.next_dagrun_info(None, restriction, restriction.latest or start)
    while info is not None:
        yield info
        info = timetable.next_dagrun_info(info, restriction, info.data_interval_end)
