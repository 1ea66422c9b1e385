"""Limits the scheduler enforces where it queues tasks: pools, ``max_active_tasks``,
``dagrun_timeout`` (issue 14, section 3), measured from the tasks' own timestamps."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from runtime_helpers import DAGS
from runtime_helpers import query
from runtime_helpers import run_cli
from runtime_helpers import task_states

LIMITS = str(DAGS / "limits.py")


def _max_overlap(times_file: Path) -> int:
    """The most tasks that ran at the same moment, from their (start, end) lines."""
    events = []
    for line in times_file.read_text().splitlines():
        start, end = map(float, line.split())
        events += [(start, 1), (end, -1)]
    running = peak = 0
    for _, delta in sorted(events, key=lambda e: (e[0], e[1])):
        running += delta
        peak = max(peak, running)
    return peak


def _run_once(capsys: pytest.CaptureFixture[str], dag_id: str) -> None:
    """Trigger run r1 of ``dag_id`` and let the scheduler run it with 8 worker processes
    (more than every limit tested)."""
    code, _, err = run_cli(capsys, "dags", "trigger", dag_id, "-S", LIMITS, "-r", "r1")
    assert code == 0, err
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TASKLOOM__CORE__PARALLELISM", "8")
        code, _, err = run_cli(capsys, "scheduler", "--once", "-S", LIMITS, "-x", "local")
    assert code == 0, err


def test_a_pool_of_three_slots_never_runs_more_than_three(
    capsys: pytest.CaptureFixture[str], taskloom_home: Path
) -> None:
    code, _, err = run_cli(capsys, "pools", "set", "three", "3")
    assert code == 0, err
    _run_once(capsys, "pooled")
    assert set(task_states("pooled", "r1").values()) == {"success"}
    times = taskloom_home / "pooled.times"
    assert len(times.read_text().splitlines()) == 30
    assert _max_overlap(times) == 3  # never more, and the pool was used to the full


def test_max_active_tasks_caps_a_dag(
    capsys: pytest.CaptureFixture[str], taskloom_home: Path
) -> None:
    _run_once(capsys, "capped")
    assert set(task_states("capped", "r1").values()) == {"success"}
    assert _max_overlap(taskloom_home / "capped.times") == 3


def test_a_task_naming_a_missing_pool_fails_and_says_how_to_fix_it(
    capsys: pytest.CaptureFixture[str], taskloom_home: Path
) -> None:
    _run_once(capsys, "no_pool")
    assert task_states("no_pool", "r1") == {"orphan": "failed"}
    code, out, _ = run_cli(capsys, "tasks", "logs", "no_pool", "orphan", "r1")
    assert code == 0
    assert "pool missing_pool does not exist" in out
    assert "taskloom pools set missing_pool <slots>" in out


def test_dagrun_timeout_fails_the_run_stops_its_task_and_runs_the_callbacks(
    capsys: pytest.CaptureFixture[str], taskloom_home: Path
) -> None:
    started = time.monotonic()
    _run_once(capsys, "timed_out")
    assert time.monotonic() - started < 60, "the hung task was not stopped"
    states = task_states("timed_out", "r1")
    assert states == {"hang": "failed", "after": "skipped"}
    assert [tuple(r) for r in query("SELECT state FROM dag_run WHERE run_id = 'r1'")] == [
        ("failed",)
    ]
    assert (taskloom_home / "dag_failure.txt").read_text() == "timed_out"
    task_reason = (taskloom_home / "task_failure.txt").read_text()
    assert task_reason.startswith("TaskProcessDiedError"), task_reason
    assert "dagrun_timeout" in task_reason
