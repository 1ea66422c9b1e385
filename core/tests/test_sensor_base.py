"""BaseSensorOperator: poke and reschedule modes, timeouts, soft_fail and backoff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from authoring_runs import run_dag

from taskloom import DAG
from taskloom.operators.empty import EmptyOperator
from taskloom.sensors.base import BaseSensorOperator
from taskloom.sensors.base import PokeReturnValue


class CountingSensor(BaseSensorOperator):
    """Done on poke number ``done_at`` (never if 0); records its pokes."""

    def __init__(self, *, done_at: int, value: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.done_at = done_at
        self.value = value
        self.pokes = 0

    def poke(self, context: Any) -> bool | PokeReturnValue:
        self.pokes += 1
        done = self.done_at and self.pokes >= self.done_at
        return PokeReturnValue(bool(done), self.value) if self.value is not None else bool(done)


def sensor_dag(dag_id: str, **sensor_kwargs: Any) -> tuple[DAG, CountingSensor]:
    with DAG(dag_id) as dag:
        sensor = CountingSensor(task_id="wait", **sensor_kwargs)
        sensor >> EmptyOperator(task_id="after")
    return dag, sensor


@pytest.mark.parametrize("mode", ["poke", "reschedule"])
def test_sensor_succeeds_after_several_pokes(mode: str) -> None:
    """The sensor pokes until the condition holds, in both modes; downstream then runs."""
    dag, sensor = sensor_dag(f"ok_{mode}", done_at=3, poke_interval=0.01, timeout=30, mode=mode)
    result = run_dag(dag)
    assert result.states == {"wait": "success", "after": "success"}
    assert sensor.pokes == 3


def test_poke_return_value_is_pushed_as_xcom() -> None:
    """A done PokeReturnValue's xcom_value is the sensor's return value."""
    dag, _ = sensor_dag("xcom", done_at=1, value={"key": "found"}, poke_interval=0.01)
    assert run_dag(dag).xcom("wait") == {"key": "found"}


@pytest.mark.parametrize("mode", ["poke", "reschedule"])
def test_timeout_fails_and_soft_fail_skips(mode: str) -> None:
    """On timeout the sensor fails (no retry), or is skipped with soft_fail; counted from the first poke."""
    # A second of timeout leaves room for several pokes even on a busy machine, where one
    # reschedule round trip through the run loop can take longer than the poke interval.
    dag, sensor = sensor_dag(
        f"timeout_{mode}", done_at=0, poke_interval=0.05, timeout=1.0, mode=mode, retries=2
    )
    failed = run_dag(dag)
    assert failed.states == {"wait": "failed", "after": "upstream_failed"}
    assert sensor.pokes >= 3
    soft_dag, _ = sensor_dag(
        f"soft_{mode}", done_at=0, poke_interval=0.05, timeout=0.2, mode=mode, soft_fail=True
    )
    assert run_dag(soft_dag).states == {"wait": "skipped", "after": "skipped"}


def test_next_poke_interval_backoff_is_capped() -> None:
    """Exponential backoff doubles the wait, capped by max_wait and by the time left."""
    sensor = CountingSensor(
        task_id="s",
        done_at=0,
        poke_interval=2,
        timeout=100,
        exponential_backoff=True,
        max_wait=timedelta(seconds=10),
    )
    assert [sensor.next_poke_interval(n, elapsed=0) for n in (1, 2, 3, 4, 5)] == [2, 4, 8, 10, 10]
    assert sensor.next_poke_interval(1, elapsed=99.5) == pytest.approx(0.501)
    plain = CountingSensor(task_id="p", done_at=0, poke_interval=3, timeout=100)
    assert [plain.next_poke_interval(n, elapsed=0) for n in (1, 5)] == [3, 3]


def test_bad_mode_and_negative_interval() -> None:
    """A bad mode or a negative interval raises naming the sensor."""
    with pytest.raises(ValueError, match=r"'s'.*mode"):
        CountingSensor(task_id="s", done_at=1, mode="sleep")
    with pytest.raises(ValueError, match="poke_interval"):
        CountingSensor(task_id="t", done_at=1, poke_interval=-1)


def test_poke_must_be_implemented() -> None:
    """BaseSensorOperator.poke raises naming the class."""
    with pytest.raises(NotImplementedError, match="BaseSensorOperator"):
        BaseSensorOperator(task_id="s").poke({})
