"""S3, D8, S4 (log write failure): no task instance runs twice; killed tasks get their callbacks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from taskloom.execution.liveness import current_owner
from taskloom.execution.liveness import is_known_dead
from taskloom_testing.cli import run_taskloom

RECORDING_DAG = """\
import os
import time
from pathlib import Path

from taskloom.models.baseoperator import chain
from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator

HOME = Path(os.environ["TASKLOOM_HOME"])


def record(task):
    with (HOME / "executions.log").open("a") as fh:
        fh.write(f"{task.task_id}\\n")
    time.sleep(0.5)


with DAG("recorded", schedule=None) as dag:
    chain(*[PythonOperator(task_id=f"step_{i}", python_callable=record) for i in range(4)])
"""


def _wait_for(predicate, what: str, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.05)


def test_a_scheduler_started_during_dags_test_runs_nothing_twice(taskloom_home: Path) -> None:
    """S3: `scheduler` started while `dags test` drives the run leaves it alone; each task runs once."""
    dags = taskloom_home / "dags"
    dags.mkdir(parents=True)
    (dags / "recorded.py").write_text(RECORDING_DAG)
    executions = taskloom_home / "executions.log"
    dags_test = subprocess.Popen(
        [sys.executable, "-m", "taskloom", "dags", "test", "recorded"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(lambda: executions.exists(), "the first task")
        scheduler = run_taskloom("scheduler", "-n", "15", "-x", "local", timeout=90)
        assert scheduler.returncode == 0, scheduler.stderr
        assert "reset" not in scheduler.stderr
        output, _ = dags_test.communicate(timeout=60)
    finally:
        if dags_test.poll() is None:
            dags_test.kill()
    assert dags_test.returncode == 0, output
    assert executions.read_text().splitlines() == [f"step_{i}" for i in range(4)]


def test_liveness_of_owners() -> None:
    """An owner is dead when its PID is gone or now belongs to a process started at another time."""
    me = current_owner()
    host, pid, start = me.split(":")
    assert (host, int(pid)) == (socket.gethostname(), os.getpid())
    assert not is_known_dead(me)
    assert is_known_dead(None)
    assert is_known_dead(f"{host}:{pid}:{int(start) + 1}")  # the PID, reused by a newer process
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert is_known_dead(f"{host}:{finished.stdout.strip()}:{start}")
    assert not is_known_dead(f"another-host.example:{pid}:{start}")  # cannot be seen from here


KILLED_DAG = """\
import os
import time
from datetime import timedelta
from pathlib import Path

from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator

HOME = Path(os.environ["TASKLOOM_HOME"])


def sleep_and_tell():
    (HOME / "task.pid").write_text(str(os.getpid()))
    time.sleep(60)


def describe(context):
    return "%s: %s" % (type(context["exception"]).__name__, context["exception"])


def on_retry(context):
    (HOME / "retry_callback.txt").write_text(describe(context))


def on_failure(context):
    (HOME / "failure_callback.txt").write_text(describe(context))


with DAG("killed", schedule=None) as dag:
    PythonOperator(
        task_id="sleeper",
        python_callable=sleep_and_tell,
        retries={retries},
        retry_delay=timedelta(seconds=0),
        on_retry_callback=on_retry,
        on_failure_callback=on_failure,
    )
"""


@pytest.mark.parametrize(("retries", "callback"), [(0, "failure"), (1, "retry")])
def test_kill_9_of_a_task_runs_its_callback(
    taskloom_home: Path, retries: int, callback: str
) -> None:
    """D8: kill -9 of a task's worker process runs on_failure_callback / on_retry_callback,
    with an exception that says the process died (local executor, under the scheduler)."""
    dags = taskloom_home / "dags"
    dags.mkdir(parents=True)
    (dags / "killed.py").write_text(KILLED_DAG.format(retries=retries))
    assert run_taskloom("dags", "trigger", "killed", "-r", "r1").returncode == 0
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "taskloom", "scheduler", "-x", "local"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    marker = taskloom_home / f"{callback}_callback.txt"
    try:
        pid_file = taskloom_home / "task.pid"
        # The file appears before its text is written: wait for the pid itself.
        _wait_for(lambda: pid_file.exists() and pid_file.read_text(), "the task start")
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
        _wait_for(
            lambda: marker.exists() and marker.read_text(), f"the {callback} callback", timeout=30
        )
    finally:
        scheduler.send_signal(signal.SIGTERM)
        _, err = scheduler.communicate(timeout=30)
    assert scheduler.returncode == 0, err
    text = marker.read_text()
    assert text.startswith("TaskProcessDiedError: the process running task 'sleeper' died"), text
    assert "SIGKILL" in text, text
    other = "retry" if callback == "failure" else "failure"
    assert not (taskloom_home / f"{other}_callback.txt").exists()


LOGS_DAG = """\
from taskloom.models.dag import DAG
from taskloom.operators.empty import EmptyOperator

with DAG("no_logs", schedule=None) as no_logs:
    EmptyOperator(task_id="a")

with DAG("fine", schedule=None) as fine:
    EmptyOperator(task_id="a")
"""


@pytest.mark.parametrize("executor", ["sequential", "local"])
def test_a_log_that_cannot_be_written_fails_only_its_task(
    taskloom_home: Path, executor: str
) -> None:
    """S4: a task whose log cannot be written fails with the reason; the scheduler and other runs go on."""
    dags = taskloom_home / "dags"
    dags.mkdir(parents=True)
    (dags / "two.py").write_text(LOGS_DAG)
    logs = taskloom_home / "logs"
    logs.mkdir()
    (logs / "dag_id=no_logs").write_text("a file where the DAG's log folder should be")
    for dag_id in ("no_logs", "fine"):
        assert run_taskloom("dags", "trigger", dag_id, "-r", "r1").returncode == 0
    scheduler = run_taskloom("scheduler", "--once", "-x", executor, timeout=90)
    assert scheduler.returncode == 0, scheduler.stderr
    assert "no_logs r1: failed" in scheduler.stdout
    assert "fine r1: success" in scheduler.stdout
    assert "cannot write the log file of task 'a'" in scheduler.stderr
    assert "Traceback" not in scheduler.stderr
