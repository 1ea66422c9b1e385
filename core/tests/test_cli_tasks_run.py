"""``taskloom tasks run``: one task instance of an existing run, recorded as a worker records it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from runtime_helpers import query

from taskloom import store
from taskloom.models import xcom
from taskloom_testing.cli import run_taskloom

DAG_FILE = """\
import functools
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator

HOME = Path(os.environ["TASKLOOM_HOME"])


def note(kind, context):
    with (HOME / "callbacks.log").open("a") as fh:
        fh.write(f"{kind} {context['ti'].task_id}\\n")


def produce():
    print("producing 21")
    return {"n": 21}


def consume(ti):
    value = ti.xcom_pull(task_ids="produce") or {"n": 0}
    return value["n"] * 2


def broken():
    raise ValueError("broken on purpose")


def slow():
    marker = HOME / "slow.started"
    if marker.exists():  # the second try returns at once
        return "second"
    marker.write_text("x")
    time.sleep(120)


with DAG("worker_run", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    PythonOperator(
        task_id="produce", python_callable=produce, on_success_callback=functools.partial(note, "success")
    ) >> PythonOperator(task_id="consume", python_callable=consume)
    PythonOperator(
        task_id="broken",
        python_callable=broken,
        retries=1,
        retry_delay=timedelta(0),
        on_retry_callback=functools.partial(note, "retry"),
        on_failure_callback=functools.partial(note, "failure"),
    )
    PythonOperator(task_id="slow", python_callable=slow)
"""


@pytest.fixture
def run_id(taskloom_home: Path) -> str:
    """A queued run of ``worker_run`` (as ``dags trigger`` makes it), id ``r1``."""
    (taskloom_home / "dags").mkdir(parents=True)
    (taskloom_home / "dags" / "worker_run.py").write_text(DAG_FILE)
    trigger = run_taskloom("dags", "trigger", "worker_run", "-r", "r1")
    assert trigger.returncode == 0, trigger.stderr
    return "r1"


def _ti(task_id: str) -> tuple[str | None, int]:
    row = query(
        "SELECT state, try_number FROM task_instance WHERE dag_id = 'worker_run' AND task_id = ?",
        task_id,
    )[0]
    return row[0], row[1]


def _xcom(task_id: str) -> object:
    conn = store.connect()
    try:
        return xcom.pull(conn, "worker_run", "r1", task_id)
    finally:
        conn.close()


def test_tasks_run_records_state_log_xcom_and_callbacks(run_id: str, taskloom_home: Path) -> None:
    """A successful try is in the DB (state, try, XCom), its log file and callbacks ran."""
    result = run_taskloom("tasks", "run", "worker_run", "produce", run_id)
    assert result.returncode == 0, result.stderr
    assert "producing 21" in result.stdout
    assert result.stdout.endswith("Task produce: success (try 1)\n")
    assert _ti("produce") == ("success", 1)
    assert _xcom("produce") == {"n": 21}
    assert (taskloom_home / "callbacks.log").read_text() == "success produce\n"
    logs = run_taskloom("tasks", "logs", "worker_run", "produce", run_id)
    assert "producing 21" in logs.stdout
    # The downstream task reads the XCom across processes; the run is left to the scheduler.
    result = run_taskloom("tasks", "run", "worker_run", "consume", run_id)
    assert result.returncode == 0, result.stderr
    assert _xcom("consume") == 42
    assert query("SELECT state FROM dag_run WHERE run_id = 'r1'")[0][0] == "queued"


def test_tasks_run_failure_exits_1_and_retries_then_fails(run_id: str, taskloom_home: Path) -> None:
    """A failed try exits 1: up_for_retry while tries remain, then failed, with the callbacks."""
    first = run_taskloom("tasks", "run", "worker_run", "broken", run_id)
    assert first.returncode == 1
    assert "ValueError: broken on purpose" in first.stdout
    assert first.stdout.endswith("Task broken: up_for_retry (try 1)\n")
    assert _ti("broken") == ("up_for_retry", 1)
    second = run_taskloom("tasks", "run", "worker_run", "broken", run_id)
    assert second.returncode == 1
    assert _ti("broken") == ("failed", 2)
    assert (taskloom_home / "callbacks.log").read_text() == "retry broken\nfailure broken\n"
    assert (
        run_taskloom("tasks", "logs", "worker_run", "broken", run_id, "--try", "1").returncode == 0
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", "produce", "r1"), "DAG 'nope' not found"),
        (("worker_run", "nope", "r1"), "has no task 'nope'; its tasks: produce, consume"),
        (("worker_run", "produce", "r9"), "has no run with run id or logical date 'r9'"),
    ],
)
def test_tasks_run_refuses_what_does_not_exist(
    run_id: str, args: tuple[str, ...], message: str
) -> None:
    """An unknown DAG, task or run: exit 1, one line, nothing runs."""
    result = run_taskloom("tasks", "run", *args)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert _ti("produce") == (None, 0)


def test_tasks_run_waits_for_upstream_unless_told(run_id: str) -> None:
    """An upstream task not done (or failed) refuses the run, naming it; -i/--force runs anyway."""
    result = run_taskloom("tasks", "run", "worker_run", "consume", run_id)
    assert result.returncode == 1
    assert "upstream not done: 'produce' (no state)" in result.stderr
    assert "-i/--ignore-dependencies" in result.stderr
    assert _ti("consume") == (None, 0)
    conn = store.connect()
    with conn.transaction():
        conn.execute("UPDATE task_instance SET state = 'failed' WHERE task_id = 'produce'")
    conn.close()
    result = run_taskloom("tasks", "run", "worker_run", "consume", run_id)
    assert result.returncode == 1
    assert "in states it does not accept: 'produce' (failed)" in result.stderr
    result = run_taskloom("tasks", "run", "worker_run", "consume", run_id, "--force")
    assert result.returncode == 0, result.stderr
    assert _ti("consume") == ("success", 1)
    assert _xcom("consume") == 0


def test_tasks_run_refuses_a_task_a_live_process_runs(run_id: str, taskloom_home: Path) -> None:
    """A task instance running in a live process is not run again; once that process is dead, it is."""
    owner = subprocess.Popen(
        [sys.executable, "-m", "taskloom", "tasks", "run", "worker_run", "slow", run_id],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (taskloom_home / "slow.started").exists():
            assert owner.poll() is None, "the first tasks run ended early"
            assert time.monotonic() < deadline, "the first tasks run did not start the task"
            time.sleep(0.05)
        result = run_taskloom("tasks", "run", "worker_run", "slow", run_id)
        assert result.returncode == 1
        assert "is already running in process" in result.stderr
        assert _ti("slow") == ("running", 1)
    finally:
        owner.kill()
        owner.wait()
    result = run_taskloom("tasks", "run", "worker_run", "slow", run_id)
    assert result.returncode == 0, result.stderr
    assert _ti("slow") == ("success", 2)


def test_tasks_run_a_task_added_after_the_run_was_created(run_id: str, taskloom_home: Path) -> None:
    """A task the run has no row for yet gets its task instance, as the scheduler gives it one."""
    dag_file = taskloom_home / "dags" / "worker_run.py"
    dag_file.write_text(
        dag_file.read_text()
        + '\nwith dag:\n    PythonOperator(task_id="added_later", python_callable=produce)\n'
    )
    result = run_taskloom("tasks", "run", "worker_run", "added_later", run_id)
    assert result.returncode == 0, result.stderr
    assert _ti("added_later") == ("success", 1)
