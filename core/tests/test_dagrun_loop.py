"""Tests for taskloom.jobs.dagrun_loop and run_state through the Python API."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

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
    assert task_states("xcom_flow", run.run_id) == {"produce": "success", "consume": "success"}
    assert (
        conn.execute("SELECT try_number FROM task_instance WHERE task_id = 'produce'").fetchone()[0]
        == 2
    )
    assert dagrun.get(conn, "xcom_flow", run.run_id).state == "success"
    conn.close()


def test_orphaned_tasks_are_reset_when_a_run_is_adopted() -> None:
    """Tasks left queued/running by a dead process are reset and run again; finished ones are kept."""
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
            "UPDATE task_instance SET state = 'running', try_number = 1 WHERE task_id = 'consume'"
        )
        conn.execute(
            "INSERT INTO xcom(dag_id, run_id, task_id, key, value, timestamp) VALUES (?, ?, 'produce', 'return_value', ?, '')",
            ("xcom_flow", run.run_id, '{"n": 1}'),
        )
    loop = DagRunLoop(conn, SequentialExecutor())
    loop.add_run(dag, run)
    loop.run_until_done()
    rows = {
        r[0]: (r[1], r[2])
        for r in conn.execute("SELECT task_id, state, try_number FROM task_instance")
    }
    assert rows == {"produce": ("success", 1), "consume": ("success", 2)}
    conn.close()
