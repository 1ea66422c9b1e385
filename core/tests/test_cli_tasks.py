"""Tests for taskloom.cli.tasks: list, test, state, logs, clear."""

from __future__ import annotations

import json

import pytest
from runtime_helpers import DAGS
from runtime_helpers import query
from runtime_helpers import run_cli
from runtime_helpers import task_states

BASIC = str(DAGS / "basic.py")


def test_list_in_dependency_order(capsys: pytest.CaptureFixture[str]) -> None:
    """Tasks are listed upstream first, with their upstream ids."""
    code, out, _ = run_cli(capsys, "tasks", "list", "xcom_flow", "-S", BASIC, "-o", "json")
    assert code == 0
    assert json.loads(out) == [
        {
            "task_id": "produce",
            "operator": "PythonOperator",
            "trigger_rule": "all_success",
            "upstream": [],
        },
        {
            "task_id": "consume",
            "operator": "PythonOperator",
            "trigger_rule": "all_success",
            "upstream": ["produce"],
        },
    ]


def test_tasks_test_prints_log_and_state(capsys: pytest.CaptureFixture[str]) -> None:
    """tasks test runs one task, prints its log and exits by its outcome."""
    code, out, _ = run_cli(
        capsys, "tasks", "test", "xcom_flow", "produce", "2024-03-01", "-S", BASIC
    )
    assert code == 0
    assert "Running <TaskInstance xcom_flow.produce" in out
    assert out.endswith("Task produce: success\n")
    assert query("SELECT state FROM dag_run")[0][0] == "success"  # finished: no scheduler adopts it
    code, out, _ = run_cli(
        capsys, "tasks", "test", "retries", "fail_fast", "2024-03-01", "-S", BASIC
    )
    assert code == 1
    assert "TaskloomFailException: no point retrying" in out


def test_tasks_test_unknown_task(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown task id exits 1 listing the DAG's tasks."""
    code, _, err = run_cli(capsys, "tasks", "test", "xcom_flow", "nope", "-S", BASIC)
    assert code == 1
    assert "its tasks: produce, consume" in err


def test_state_and_logs_of_every_try(capsys: pytest.CaptureFixture[str]) -> None:
    """tasks state reads one task's state; tasks logs shows the last try or every try."""
    run_cli(capsys, "dags", "test", "retries", "2024-03-01", "-S", BASIC)
    code, out, _ = run_cli(capsys, "tasks", "state", "retries", "broken", "2024-03-01")
    assert (code, out) == (0, "failed\n")
    code, out, _ = run_cli(capsys, "tasks", "logs", "retries", "flaky")
    assert code == 0
    assert "try 2 of 2" in out
    assert "Marked flaky as success" in out
    code, out, _ = run_cli(capsys, "tasks", "logs", "retries", "flaky", "--all-tries")
    assert "--- try 1 ---" in out
    assert "RuntimeError: first try fails" in out
    code, _, err = run_cli(capsys, "tasks", "logs", "retries", "flaky", "--try", "7")
    assert code == 2
    assert "tries with logs: 1, 2" in err


def test_clear_reruns_failed_tasks(capsys: pytest.CaptureFixture[str]) -> None:
    """clear --only-failed resets failed tasks and requeues their run."""
    run_cli(capsys, "dags", "test", "retries", "2024-03-01", "-S", BASIC)
    code, out, _ = run_cli(capsys, "tasks", "clear", "retries", "-S", BASIC, "--only-failed", "-y")
    assert code == 0
    assert "Cleared 3 task instance(s)." in out
    states = task_states("retries")
    assert states["broken"] is None
    assert states["after_broken"] is None
    assert states["flaky"] == "success"
    code, out, _ = run_cli(capsys, "dags", "state", "retries", "2024-03-01")
    assert out.startswith("manual__2024-03-01T00:00:00+00:00: queued")


def test_clear_with_regex_and_downstream(capsys: pytest.CaptureFixture[str]) -> None:
    """-t selects tasks by regex and -d adds their downstream tasks."""
    run_cli(capsys, "dags", "test", "xcom_flow", "2024-03-01", "-S", BASIC)
    code, out, _ = run_cli(
        capsys, "tasks", "clear", "xcom_flow", "-S", BASIC, "-t", "^prod", "-d", "-y", "-o", "json"
    )
    assert code == 0
    assert sorted(row["task_id"] for row in json.loads(out)) == ["consume", "produce"]
    code, _, err = run_cli(capsys, "tasks", "clear", "xcom_flow", "-S", BASIC, "-t", "(", "-y")
    assert code == 2
    assert "not a valid regular expression" in err
