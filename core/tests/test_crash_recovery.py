"""Crash safety for real: SIGKILL a scheduler subprocess mid-run, restart it, nothing succeeded runs twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from runtime_helpers import DAGS
from runtime_helpers import query
from runtime_helpers import run_cli
from runtime_helpers import task_states

from taskloom import configuration

SLOW = str(DAGS / "slow.py")


def _scheduler(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "taskloom", "scheduler", "-S", SLOW, "-x", "local", *args],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _executions(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_killed_scheduler_resumes_without_rerunning_succeeded_tasks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Kill -9 the scheduler while a chain runs; on restart the run finishes and succeeded
    steps never rerun.  The step running when it died lost its process: that try counts
    (failed, then retried: the chain's tasks have one retry)."""
    assert run_cli(capsys, "dags", "trigger", "slow_chain", "-S", SLOW, "-r", "crash_run")[0] == 0
    log = configuration.home() / "executions.log"
    first = _scheduler()
    try:
        deadline = time.monotonic() + 60
        while len(_executions(log)) < 4:
            assert time.monotonic() < deadline, "the scheduler did not get going within 60 s"
            assert first.poll() is None, first.stdout.read() if first.stdout else ""
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate(timeout=10)  # reap it and close its pipe
    time.sleep(1.5)
    # The workers died with the scheduler: nothing runs any more.
    frozen = _executions(log)
    time.sleep(1.0)
    assert _executions(log) == frozen
    before = task_states("slow_chain", "crash_run")
    succeeded = {task for task, state in before.items() if state == "success"}
    assert len(succeeded) >= 3
    assert query("SELECT state FROM dag_run WHERE run_id = 'crash_run'")[0][0] == "running"

    second = _scheduler("--once")
    output, _ = second.communicate(timeout=120)
    assert second.returncode == 0, output.decode()
    assert "slow_chain crash_run: success" in output.decode()
    after = task_states("slow_chain", "crash_run")
    assert set(after.values()) == {"success"}
    counts = Counter(_executions(log))
    assert all(counts[task] == 1 for task in succeeded), counts
    # Only the step that was running when the scheduler died may have run twice.
    assert sum(counts.values()) <= len(after) + 1
    tries = dict(query("SELECT task_id, try_number FROM task_instance WHERE run_id = 'crash_run'"))
    retried = [task for task, number in tries.items() if number > 1]
    assert len(retried) <= 1, tries
    assert all(task not in succeeded for task in retried)
