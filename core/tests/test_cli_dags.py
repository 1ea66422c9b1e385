"""Tests for taskloom.cli.dags: list, show, test, trigger, pause, state -- end to end."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from runtime_helpers import DAGS
from runtime_helpers import query
from runtime_helpers import run_cli
from runtime_helpers import task_states

from taskloom import configuration

BASIC = str(DAGS / "basic.py")


def test_list_reports_dags_broken_files_and_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken file is reported with its traceback, the others still load, warnings show file:line."""
    (tmp_path / "good.py").write_text(
        "from datetime import datetime\nfrom taskloom.models.dag import DAG\n"
        "from taskloom.operators.empty import EmptyOperator\n"
        "with DAG('good', start_date=datetime(2024, 1, 1), schedule_interval='@daily'):\n"
        "    EmptyOperator(task_id='a')\n"
    )
    (tmp_path / "broken.py").write_text(
        "from taskloom.models.dag import DAG\nraise RuntimeError('cannot load this dag')\n"
    )
    code, out, err = run_cli(capsys, "dags", "list", "-S", str(tmp_path))
    assert code == 0
    assert "good" in out.splitlines()[2]
    assert f"Broken DAG file {tmp_path / 'broken.py'}" in err
    assert "RuntimeError: cannot load this dag" in err
    assert f"{tmp_path / 'good.py'}:4: DeprecationWarning:" in err


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    """--output json lists every DAG with its schedule and pause flag."""
    code, out, _ = run_cli(capsys, "dags", "list", "-S", BASIC, "--output", "json")
    assert code == 0
    rows = {row["dag_id"]: row for row in json.loads(out)}
    assert set(rows) == {"branching", "latest_only", "retries", "xcom_flow"}
    assert rows["latest_only"]["schedule"] == "@daily"
    assert rows["xcom_flow"]["paused"] is False


def test_show_prints_the_graph(capsys: pytest.CaptureFixture[str]) -> None:
    """dags show draws the tree, marks trigger rules and refers back to tasks shown before."""
    code, out, _ = run_cli(capsys, "dags", "show", "branching", "-S", BASIC)
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == "branch (BranchPythonOperator)"
    assert "├── join (EmptyOperator) [none_failed_min_one_success]" in out
    assert "join ↑ (see above)" in out


def test_unknown_dag_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown DAG id exits 1 with the ids that exist, and no traceback."""
    code, _, err = run_cli(capsys, "dags", "test", "nope", "-S", BASIC)
    assert code == 1
    assert "DAG 'nope' not found" in err
    assert "xcom_flow" in err
    assert "Traceback" not in err


def test_dags_test_success_persists_state(capsys: pytest.CaptureFixture[str]) -> None:
    """dags test runs the DAG in-process, prints each task's state and keeps state and XComs."""
    code, out, _ = run_cli(capsys, "dags", "test", "xcom_flow", "2024-02-01", "-S", BASIC)
    assert code == 0
    assert "produce" in out
    assert out.rstrip().endswith("success")
    assert task_states("xcom_flow") == {"produce": "success", "consume": "success"}
    values = {(r["task_id"], r["key"]): json.loads(r["value"]) for r in query("SELECT * FROM xcom")}
    assert values[("consume", "doubled")] == 42
    assert values[("consume", "return_value")] == 42


def test_dags_test_failure_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """A failed run exits 1 and shows the error of each failed try."""
    code, out, _ = run_cli(capsys, "dags", "test", "retries", "-S", BASIC)
    assert code == 1
    states = task_states("retries")
    assert states == {
        "flaky": "success",
        "broken": "failed",
        "after_broken": "upstream_failed",
        "cleanup": "success",
        "fail_fast": "failed",
    }
    assert "ValueError: this task always fails" in out
    assert query("SELECT try_number FROM task_instance WHERE task_id = 'broken'")[0][0] == 3
    assert query("SELECT try_number FROM task_instance WHERE task_id = 'fail_fast'")[0][0] == 1


def test_dags_test_again_replaces_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    """Testing the same logical date twice re-runs it instead of failing on the duplicate."""
    assert run_cli(capsys, "dags", "test", "xcom_flow", "2024-02-01", "-S", BASIC)[0] == 0
    assert run_cli(capsys, "dags", "test", "xcom_flow", "2024-02-01", "-S", BASIC)[0] == 0
    assert len(query("SELECT * FROM dag_run")) == 1


def test_branching_skips_and_trigger_rules(capsys: pytest.CaptureFixture[str]) -> None:
    """The branch not taken is skipped, skips propagate, none_failed_min_one_success joins."""
    code, _, _ = run_cli(capsys, "dags", "test", "branching", "-S", BASIC)
    assert code == 0
    assert task_states("branching") == {
        "branch": "success",
        "left": "success",
        "right": "skipped",
        "right_after": "skipped",
        "join": "success",
        "join_strict": "skipped",
    }


def test_latest_only_manual_run_is_not_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    """A manual run of a LatestOnly DAG runs its downstream tasks even for an old date."""
    code, _, _ = run_cli(capsys, "dags", "test", "latest_only", "2024-01-01", "-S", BASIC)
    assert code == 0
    assert task_states("latest_only") == {"latest_only": "success", "notify": "success"}


def test_bad_date_and_conf_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """A malformed date or --conf names the bad value and exits 2."""
    code, _, err = run_cli(capsys, "dags", "test", "xcom_flow", "yesterday", "-S", BASIC)
    assert code == 2
    assert "'yesterday' is not an ISO 8601 date" in err
    code, _, err = run_cli(capsys, "dags", "trigger", "xcom_flow", "-S", BASIC, "--conf", "[1]")
    assert code == 2
    assert "must be a JSON object" in err


def test_trigger_pause_state(capsys: pytest.CaptureFixture[str]) -> None:
    """trigger queues a manual run; pause/unpause flip the flag; state lists runs and tasks."""
    code, out, _ = run_cli(
        capsys,
        "dags",
        "trigger",
        "xcom_flow",
        "-S",
        BASIC,
        "-r",
        "my_run",
        "-c",
        '{"x": 1}',
        "-o",
        "json",
    )
    assert code == 0
    assert json.loads(out)[0]["state"] == "queued"
    code, _, err = run_cli(capsys, "dags", "trigger", "xcom_flow", "-S", BASIC, "-r", "my_run")
    assert code == 1
    assert "already has a run 'my_run'" in err
    assert run_cli(capsys, "dags", "pause", "xcom_flow", "-S", BASIC)[0] == 0
    assert query("SELECT is_paused FROM dag WHERE dag_id = 'xcom_flow'")[0][0] == 1
    assert run_cli(capsys, "dags", "unpause", "xcom_flow", "-S", BASIC)[0] == 0
    assert query("SELECT is_paused FROM dag WHERE dag_id = 'xcom_flow'")[0][0] == 0
    code, out, _ = run_cli(capsys, "dags", "state", "xcom_flow", "-o", "json")
    assert [row["run_id"] for row in json.loads(out)] == ["my_run"]
    code, out, _ = run_cli(capsys, "dags", "state", "xcom_flow", "my_run")
    assert out.splitlines()[0] == "my_run: queued"
    code, _, err = run_cli(capsys, "dags", "state", "xcom_flow", "other_run")
    assert code == 1
    assert "no run with run id or logical date 'other_run'" in err


def test_single_dag_commands_read_only_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """dags test reads the file that names the DAG; a computed dag_id is still found by a full read."""
    header = "from datetime import datetime\nfrom taskloom.models.dag import DAG\nfrom taskloom.operators.empty import EmptyOperator\n"
    (tmp_path / "wanted.py").write_text(
        header
        + "with DAG('wanted', start_date=datetime(2024, 1, 1)):\n    EmptyOperator(task_id='a')\n"
    )
    (tmp_path / "wanted_too.py").write_text(
        header
        + "with DAG('wanted_' + 'too', start_date=datetime(2024, 1, 1)):\n    EmptyOperator(task_id='a')\n"
    )
    (tmp_path / "other.py").write_text(
        "import os, pathlib\nfrom taskloom.models.dag import DAG\n"
        "pathlib.Path(os.environ['TASKLOOM_HOME'], 'other-imported').touch()\n"
    )
    marker = configuration.home() / "other-imported"
    code, _, err = run_cli(capsys, "dags", "test", "wanted", "-S", str(tmp_path))
    assert code == 0, err
    assert task_states("wanted") == {"a": "success"}
    assert not marker.exists()
    code, _, err = run_cli(capsys, "dags", "test", "wanted_too", "-S", str(tmp_path))
    assert code == 0, err
    assert task_states("wanted_too") == {"a": "success"}
    assert marker.exists()


def test_dags_test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    """--output json prints the run's state and every task's state once, for scripts."""
    code, out, _ = run_cli(
        capsys, "dags", "test", "branching", "2024-02-02", "-S", BASIC, "-o", "json"
    )
    assert code == 0
    result = json.loads(out)
    assert (result["dag_id"], result["state"]) == ("branching", "success")
    assert {t["task_id"]: t["state"] for t in result["tasks"]}["right_after"] == "skipped"


def test_max_active_tasks_limits_concurrency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the local executor, no more than max_active_tasks tasks of a DAG run at once."""
    (tmp_path / "wide.py").write_text(
        "import time\nfrom datetime import datetime\nfrom taskloom.models.dag import DAG\n"
        "from taskloom.operators.python import PythonOperator\n"
        "with DAG('wide', start_date=datetime(2024, 1, 1), max_active_tasks=2):\n"
        "    for i in range(6):\n"
        "        PythonOperator(task_id=f'nap_{i}', python_callable=lambda: time.sleep(0.3))\n"
    )
    monkeypatch.setenv("TASKLOOM__CORE__PARALLELISM", "4")
    code, _, _ = run_cli(
        capsys, "dags", "test", "wide", "-S", str(tmp_path / "wide.py"), "-x", "local"
    )
    assert code == 0
    rows = query("SELECT start_date, end_date FROM task_instance")
    spans = [(datetime.fromisoformat(r[0]), datetime.fromisoformat(r[1])) for r in rows]
    assert len(spans) == 6
    for start, _ in spans:
        assert sum(1 for s, e in spans if s <= start < e) <= 2


def test_dags_test_reports_a_depends_on_past_deadlock(capsys: pytest.CaptureFixture[str]) -> None:
    """dags test of a date whose previous run failed, with depends_on_past, exits 1 naming the stuck task."""
    scheduled = str(DAGS / "scheduled.py")
    assert run_cli(capsys, "dags", "test", "past_dependent", "2024-01-01", "-S", scheduled)[0] == 1
    code, _, err = run_cli(capsys, "dags", "test", "past_dependent", "2024-01-02", "-S", scheduled)
    assert code == 1
    assert "is stuck" in err
    assert "daily (run manual__2024-01-02T00:00:00+00:00)" in err
    states = [r[0] for r in query("SELECT state FROM dag_run ORDER BY logical_date")]
    assert states == ["failed", "failed"]
