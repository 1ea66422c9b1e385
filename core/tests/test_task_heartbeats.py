"""Task heartbeats (issue 14, section 4): a try whose process stops heartbeating -- here
frozen with SIGSTOP, as a machine that went away looks to the scheduler -- is failed
with its callback, and the frozen process, if it ever comes back, cannot overwrite that."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from runtime_helpers import query

from taskloom_testing.cli import run_taskloom

DAG = """\
import os, time
from datetime import datetime
from pathlib import Path
from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator

def nap():
    (Path(os.environ["TASKLOOM_HOME"]) / "started").write_text(str(os.getpid()))
    time.sleep(4)
    return "finished late"

def note(context):
    (Path(os.environ["TASKLOOM_HOME"]) / "failure.txt").write_text(
        f"{type(context['exception']).__name__}: {context['exception']}")

with DAG("remote", start_date=datetime(2024, 1, 1), schedule=None):
    PythonOperator(task_id="nap", python_callable=nap, on_failure_callback=note)
"""


def _wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} did not appear"
        time.sleep(0.05)


def test_a_try_that_stops_heartbeating_is_failed_with_its_callback(taskloom_home: Path) -> None:
    dags = taskloom_home / "dags"
    dags.mkdir(parents=True)
    (dags / "remote.py").write_text(DAG)
    env = dict(
        os.environ,
        TASKLOOM__SCHEDULER__TASK_HEARTBEAT_SEC="0.2",
        TASKLOOM__SCHEDULER__TASK_HEARTBEAT_TIMEOUT="2",
    )
    assert run_taskloom("dags", "trigger", "remote", "-r", "r1").returncode == 0
    # A worker elsewhere runs the task (as a Celery worker would) ...
    worker = subprocess.Popen(
        [sys.executable, "-m", "taskloom", "tasks", "run", "remote", "nap", "r1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(taskloom_home / "started")
        # ... and its machine goes silent: the process is there, its heartbeats stop.
        os.kill(worker.pid, signal.SIGSTOP)
        scheduler = subprocess.run(
            [sys.executable, "-m", "taskloom", "scheduler", "--once", "-x", "local"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert scheduler.returncode == 0, scheduler.stderr
        assert "remote r1: failed" in scheduler.stdout, scheduler.stdout + scheduler.stderr
        row = query("SELECT state, try_number FROM task_instance WHERE run_id = 'r1'")[0]
        assert tuple(row) == ("failed", 1)
        reason = (taskloom_home / "failure.txt").read_text()
        assert reason.startswith("TaskProcessDiedError"), reason
        assert "stopped heartbeating" in reason
        # The frozen worker wakes up and finishes: its outcome is refused.
        os.kill(worker.pid, signal.SIGCONT)
        output, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert "declared dead meanwhile" in output.decode(), output.decode()
    assert tuple(query("SELECT state FROM task_instance WHERE run_id = 'r1'")[0]) == ("failed",)
    assert query("SELECT count(*) FROM xcom WHERE run_id = 'r1'")[0][0] == 0
