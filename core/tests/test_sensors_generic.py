"""The generic sensors (no outside system), through the real runtime, in poke and reschedule mode."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from pathlib import Path

import pytest
from authoring_runs import run_dag

from taskloom import DAG
from taskloom import store
from taskloom.operators.empty import EmptyOperator
from taskloom.sensors.bash import BashSensor
from taskloom.sensors.date_time import DateTimeSensor
from taskloom.sensors.external_task import ExternalTaskMarker
from taskloom.sensors.external_task import ExternalTaskSensor
from taskloom.sensors.filesystem import FileSensor
from taskloom.sensors.python import PythonSensor
from taskloom.sensors.sql import SqlSensor
from taskloom.sensors.time_delta import TimeDeltaSensor
from taskloom.sensors.time_sensor import TimeSensor
from taskloom.sensors.weekday import DayOfWeekSensor

FAST = {"poke_interval": 0.05, "timeout": 30}


def test_python_sensor_pokes_until_true_in_both_modes(tmp_path: Path) -> None:
    """The callable is called until it returns true; reschedule mode frees the slot between
    pokes (the task goes up_for_reschedule) and keeps its try number."""
    counter = tmp_path / "pokes"

    def third_time(name: str) -> bool:
        path = counter.with_suffix("." + name)
        count = int(path.read_text()) + 1 if path.exists() else 1
        path.write_text(str(count))
        return count >= 3

    with DAG("python_sensor") as dag:
        PythonSensor(task_id="poke", python_callable=third_time, op_args=["poke"], **FAST)
        PythonSensor(
            task_id="resched",
            python_callable=third_time,
            op_kwargs={"name": "resched"},
            mode="reschedule",
            **FAST,
        )
    result = run_dag(dag)
    assert result.states == {"poke": "success", "resched": "success"}
    assert counter.with_suffix(".poke").read_text() == "3"
    assert counter.with_suffix(".resched").read_text() == "3"
    with closing(store.connect()) as conn:
        tries = conn.execute(
            "SELECT try_number FROM task_instance WHERE dag_id = 'python_sensor' AND task_id = 'resched'"
        ).fetchone()[0]
    assert tries == 1


def test_bash_and_file_sensors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "part-0001.csv").write_text("x")
    monkeypatch.setenv(
        "TASKLOOM_CONN_FS_DATA", json.dumps({"conn_type": "fs", "extra": {"path": str(data)}})
    )
    with DAG("file_sensors") as dag:
        BashSensor(task_id="bash", bash_command=f"test -e {data}/part-0001.csv", **FAST)
        FileSensor(task_id="glob", filepath=str(data / "part-*.csv"), **FAST)
        FileSensor(task_id="relative", filepath="part-0001.csv", fs_conn_id="fs_data", **FAST)
        FileSensor(
            task_id="missing",
            filepath=str(data / "nope"),
            poke_interval=0.05,
            timeout=0.3,
            soft_fail=True,
        )
        BashSensor(task_id="never", bash_command="exit 1", poke_interval=0.05, timeout=0.3)
    result = run_dag(dag)
    assert result.states == {
        "bash": "success",
        "glob": "success",
        "relative": "success",
        "missing": "skipped",
        "never": "failed",
    }


def test_time_sensors() -> None:
    """A logical date in the past has passed; a far-future target times out."""
    with DAG("time_sensors", schedule="@daily") as dag:
        TimeDeltaSensor(task_id="delta_passed", delta=timedelta(hours=1), **FAST)
        TimeDeltaSensor(
            task_id="delta_future",
            delta=timedelta(days=3650 * 20),
            poke_interval=0.05,
            timeout=0.2,
            soft_fail=True,
        )
        TimeSensor(task_id="after_midnight", target_time=time(0, 0), **FAST)
        DateTimeSensor(task_id="templated", target_time="{{ data_interval_end }}", **FAST)
        DateTimeSensor(
            task_id="far", target_time=datetime(2999, 1, 1), poke_interval=0.05, timeout=0.2
        )
        DayOfWeekSensor(task_id="monday", week_day="Monday", use_task_execution_day=True, **FAST)
        DayOfWeekSensor(
            task_id="weekend",
            week_day={"Saturday", "Sunday"},
            use_task_execution_day=True,
            poke_interval=0.05,
            timeout=0.2,
            soft_fail=True,
        )
    result = run_dag(dag, run_type="scheduled")  # 2024-01-01 is a Monday
    assert result.states == {
        "delta_passed": "success",
        "delta_future": "skipped",
        "after_midnight": "success",
        "templated": "success",
        "far": "failed",
        "monday": "success",
        "weekend": "skipped",
    }
    with pytest.raises(ValueError, match="not a day name"):
        DayOfWeekSensor(task_id="bad", week_day="Funday")


def test_sql_sensor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.db"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE t (n INTEGER)")
        conn.execute("INSERT INTO t VALUES (5)")
    monkeypatch.setenv("TASKLOOM_CONN_S", json.dumps({"conn_type": "sqlite", "host": str(path)}))
    with DAG("sql_sensor") as dag:
        SqlSensor(task_id="truthy", conn_id="s", sql="SELECT n FROM t", **FAST)
        SqlSensor(
            task_id="success_fn",
            conn_id="s",
            sql="SELECT n FROM t",
            success=lambda v: v > 4,
            **FAST,
        )
        SqlSensor(
            task_id="failure_fn",
            conn_id="s",
            sql="SELECT n FROM t",
            failure=lambda v: v == 5,
            **FAST,
        )
        SqlSensor(
            task_id="empty",
            conn_id="s",
            sql="SELECT n FROM t WHERE n > 9",
            fail_on_empty=True,
            **FAST,
        )
        SqlSensor(task_id="zero", conn_id="s", sql="SELECT 0", poke_interval=0.05, timeout=0.2)
    result = run_dag(dag)
    assert result.states == {
        "truthy": "success",
        "success_fn": "success",
        "failure_fn": "failed",
        "empty": "failed",
        "zero": "failed",
    }


def test_external_task_sensor_and_marker() -> None:
    day = datetime(2024, 1, 1, tzinfo=UTC)
    with DAG("upstream_dag") as upstream:
        EmptyOperator(task_id="load")
    assert run_dag(upstream, logical_date=day).state == "success"
    with DAG("downstream_dag") as dag:
        ExternalTaskSensor(
            task_id="wait_task", external_dag_id="upstream_dag", external_task_id="load", **FAST
        )
        ExternalTaskSensor(task_id="wait_run", external_dag_id="upstream_dag", **FAST)
        ExternalTaskSensor(
            task_id="day_before",
            external_dag_id="upstream_dag",
            external_task_id="load",
            execution_delta=timedelta(days=1),
            check_existence=True,
            **FAST,
        )
        ExternalTaskSensor(
            task_id="by_fn",
            external_dag_id="upstream_dag",
            external_task_id="load",
            execution_date_fn=lambda logical_date: logical_date,
            failed_states=["failed"],
            **FAST,
        )
        ExternalTaskMarker(task_id="marker", external_dag_id="other", external_task_id="x")
    result = run_dag(dag, logical_date=day)
    assert result.states == {
        "wait_task": "success",
        "wait_run": "success",
        "day_before": "failed",
        "by_fn": "success",
        "marker": "success",
    }
