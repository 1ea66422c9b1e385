"""Tests for taskloom.jobs.dagrun_loop and run_state through the Python API."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from runtime_helpers import DAGS
from runtime_helpers import task_states

from taskloom import store
from taskloom.dag_processing import DagBag
from taskloom.executors.sequential import SequentialExecutor
from taskloom.jobs.dagrun_loop import DagRunLoop
from taskloom.models import dagrun


def test_cleared_task_of_an_active_run_runs_again() -> None:
    """A task cleared from outside while its run is active is found by refresh() and runs again."""
    dag = DagBag(DAGS / "basic.py").dags["xcom_flow"]
    conn = store.connect()
    run = dagrun.create(
        conn,
        dag,
        logical_date=datetime(2024, 6, 1, tzinfo=UTC),
        data_interval=None,
        run_type="manual",
    )
    executor = SequentialExecutor()
    loop = DagRunLoop(conn, executor)
    rs = loop.add_run(dag, run)
    while rs.states["produce"] != "success":
        loop.step()
    with conn.transaction():  # what `taskloom tasks clear xcom_flow -t produce` does
        conn.execute(
            "UPDATE task_instance SET state = NULL WHERE task_id = 'produce' AND run_id = ?",
            (run.run_id,),
        )
    assert loop.refresh() == 1
    loop.run_until_done()
    loop.close()
    assert task_states("xcom_flow", run.run_id) == {"produce": "success", "consume": "success"}
    assert (
        conn.execute("SELECT try_number FROM task_instance WHERE task_id = 'produce'").fetchone()[0]
        == 2
    )
    assert dagrun.get(conn, "xcom_flow", run.run_id).state == "success"
    conn.close()


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        # Queued, never started: decided again and run (its first try).
        ("queued", ("success", 1)),
        # Running in a process that is gone: that try counts (failed: no retries left).
        ("running", ("failed", 1)),
    ],
)
def test_an_adopted_run_reruns_queued_tasks_and_fails_dead_tries(
    left: str, expected: tuple[str, int]
) -> None:
    """Finished tasks of an adopted run are kept; queued ones run; a try whose process
    died is failed (or retried), never silently run again."""
    dag = DagBag(DAGS / "basic.py").dags["xcom_flow"]
    conn = store.connect()
    run = dagrun.create(
        conn,
        dag,
        logical_date=datetime(2024, 6, 2, tzinfo=UTC),
        data_interval=None,
        run_type="manual",
    )
    with conn.transaction():
        conn.execute(
            "UPDATE task_instance SET state = 'success', try_number = 1 WHERE task_id = 'produce'"
        )
        conn.execute(
            "UPDATE task_instance SET state = ?, try_number = ? WHERE task_id = 'consume'",
            (left, 1 if left == "running" else 0),
        )
        conn.execute(
            "INSERT INTO xcom(dag_id, run_id, task_id, key, value, timestamp) VALUES (?, ?, 'produce', 'return_value', ?, '')",
            ("xcom_flow", run.run_id, '{"n": 1}'),
        )
    loop = DagRunLoop(conn, SequentialExecutor())
    loop.add_run(dag, run)
    loop.run_until_done()
    loop.close()
    rows = {
        r[0]: (r[1], r[2])
        for r in conn.execute("SELECT task_id, state, try_number FROM task_instance")
    }
    assert rows == {"produce": ("success", 1), "consume": expected}
    conn.close()
