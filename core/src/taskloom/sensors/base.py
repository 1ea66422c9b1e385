"""BaseSensorOperator: a task that waits for a condition by calling :meth:`poke` repeatedly.

In ``mode="poke"`` the sensor holds its worker slot and sleeps between pokes; in
``mode="reschedule"`` it raises :class:`~taskloom.exceptions.TaskloomRescheduleException`
after each unsuccessful poke, the runtime frees the slot and runs it again later.  The
timeout counts from the first poke of the first try (``ti.first_attempt_started_at``), so
reschedules do not reset it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from taskloom.exceptions import TaskloomRescheduleException
from taskloom.exceptions import TaskloomSensorTimeout
from taskloom.exceptions import TaskloomSkipException
from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context
from taskloom.utils.dates import to_utc
from taskloom.utils.dates import utcnow

_MODES = ("poke", "reschedule")


@dataclass(frozen=True, slots=True)
class PokeReturnValue:
    """What :meth:`BaseSensorOperator.poke` may return instead of a bool: whether the
    condition holds, and a value to push as the sensor's XCom."""

    is_done: bool
    xcom_value: Any = None

    def __bool__(self) -> bool:
        return self.is_done


def _seconds(value: timedelta | float, name: str, task_id: str) -> float:
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 0:
        raise ValueError(f"sensor {task_id!r}: {name} must be >= 0, got {value!r}")
    return seconds


class BaseSensorOperator(BaseOperator):
    """Wait until :meth:`poke` returns true (or a done :class:`PokeReturnValue`).

    :param poke_interval: seconds (or timedelta) between pokes.
    :param timeout: give up after this long since the first poke (seconds or timedelta).
    :param soft_fail: on timeout mark the task skipped instead of failed.
    :param mode: ``"poke"`` (sleep in the worker) or ``"reschedule"`` (free the worker).
    :param exponential_backoff: double the wait after each unsuccessful poke.
    :param max_wait: cap for the backoff wait.
    """

    ui_color = "#e6f1f2"

    def __init__(
        self,
        *,
        poke_interval: timedelta | float = 60,
        timeout: timedelta | float = timedelta(days=7),
        soft_fail: bool = False,
        mode: str = "poke",
        exponential_backoff: bool = False,
        max_wait: timedelta | float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.poke_interval = _seconds(poke_interval, "poke_interval", self.task_id)
        self.timeout = _seconds(timeout, "timeout", self.task_id)
        self.soft_fail = soft_fail
        if mode not in _MODES:
            raise ValueError(f"sensor {self.task_id!r}: mode must be one of {_MODES}, got {mode!r}")
        self.mode = mode
        self.exponential_backoff = exponential_backoff
        self.max_wait = None if max_wait is None else _seconds(max_wait, "max_wait", self.task_id)

    def poke(self, context: Context) -> bool | PokeReturnValue:
        """Check the condition once; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement poke(context)")

    def execute(self, context: Context) -> Any:
        started_at = self._started_at(context)
        poke_count = self._pokes_before(started_at)
        log = self.task_log(context)
        while True:
            result = self.poke(context)
            if result:
                return result.xcom_value if isinstance(result, PokeReturnValue) else None
            elapsed = (utcnow() - started_at).total_seconds()
            if elapsed > self.timeout:
                message = (
                    f"sensor {self.task_id!r} timed out after {elapsed:.0f}s "
                    f"(timeout {self.timeout:.0f}s)"
                )
                if self.soft_fail:
                    raise TaskloomSkipException(message + "; soft_fail=True, so it is skipped")
                raise TaskloomSensorTimeout(message)
            wait = self.next_poke_interval(poke_count, elapsed)
            if self.mode == "reschedule":
                raise TaskloomRescheduleException(utcnow() + timedelta(seconds=wait))
            log.info("Condition not met; poking again in %.1fs", wait)
            time.sleep(wait)
            poke_count += 1

    def _started_at(self, context: Context) -> datetime:
        """When the timeout started counting: this try in poke mode; the first try's first
        poke in reschedule mode (each reschedule is a new, short run of :meth:`execute`)."""
        started = getattr(context["ti"], "first_attempt_started_at", None)
        if self.mode == "reschedule" and started is not None:
            return to_utc(started)
        return utcnow()

    def _pokes_before(self, started_at: datetime) -> int:
        """Number of the coming poke.  In reschedule mode earlier pokes happened in earlier
        runs; with backoff their count follows from the time spent, since waits doubled."""
        if self.mode != "reschedule" or not self.exponential_backoff or self.poke_interval <= 0:
            return 1
        elapsed = max((utcnow() - started_at).total_seconds(), 0.0)
        return int(math.log2(elapsed / self.poke_interval + 1)) + 1

    def next_poke_interval(self, poke_count: int, elapsed: float) -> float:
        """Seconds to wait after unsuccessful poke number ``poke_count`` (1 = the first).

        With ``exponential_backoff`` the wait is ``poke_interval * 2 ** (poke_count - 1)``,
        capped by ``max_wait``.  The wait never goes past the timeout, so a timed-out sensor
        is noticed on time.
        """
        wait = self.poke_interval
        if self.exponential_backoff:
            wait = self.poke_interval * 2 ** min(poke_count - 1, 60)
            if self.max_wait is not None:
                wait = min(wait, self.max_wait)
        remaining = self.timeout - elapsed
        return max(min(wait, remaining + 0.001), 0.0)
