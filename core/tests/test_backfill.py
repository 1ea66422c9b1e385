"""Tests for taskloom.jobs.backfill through `taskloom dags backfill`."""

from __future__ import annotations

import json

import pytest
from runtime_helpers import DAGS
from runtime_helpers import query
from runtime_helpers import run_cli

from taskloom import configuration
from taskloom.models.variable import Variable

SCHEDULED = str(DAGS / "scheduled.py")
SLOW = str(DAGS / "slow.py")


def test_backfill_runs_each_interval_with_progress(capsys: pytest.CaptureFixture[str]) -> None:
    """Each daily interval in the range gets a backfill run; progress goes to stderr, JSON to stdout."""
    code, out, err = run_cli(
        capsys,
        "dags",
        "backfill",
        "daily_catchup",
        "-s",
        "2024-01-01",
        "-e",
        "2024-01-03",
        "-S",
        SCHEDULED,
        "-o",
        "json",
    )
    assert code == 0
    runs = json.loads(out)
    assert [(r["logical_date"][:10], r["state"]) for r in runs] == [
        ("2024-01-01", "success"),
        ("2024-01-02", "success"),
        ("2024-01-03", "success"),
    ]
    assert "Backfilling daily_catchup: 3 run(s), 12 task(s)" in err
    assert "[3/3 runs, 12/12 tasks]" in err
    assert {r[0] for r in query("SELECT run_type FROM dag_run")} == {"backfill"}


def test_backfill_keeps_succeeded_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """Backfilling an overlapping range runs only the new intervals (nothing runs twice)."""
    run_cli(
        capsys,
        "dags",
        "backfill",
        "daily_catchup",
        "-s",
        "2024-01-01",
        "-e",
        "2024-01-02",
        "-S",
        SCHEDULED,
    )
    code, _, err = run_cli(
        capsys,
        "dags",
        "backfill",
        "daily_catchup",
        "-s",
        "2024-01-01",
        "-e",
        "2024-01-03",
        "-S",
        SCHEDULED,
    )
    assert code == 0
    assert "1 run(s)" in err
    lines = (configuration.home() / "executions.log").read_text().splitlines()
    assert sorted(lines) == [f"daily_catchup 2024-01-0{d} work" for d in (1, 2, 3)]


def test_failed_runs_rerun_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    """A failed backfill exits 1; it stays failed until --rerun-failed-tasks clears and re-runs it."""
    args = [
        "dags",
        "backfill",
        "flaky_daily",
        "-s",
        "2024-01-01",
        "-e",
        "2024-01-02",
        "-S",
        SCHEDULED,
    ]
    code, _, err = run_cli(capsys, *args)
    assert code == 1
    assert "not allowed yet" in err
    Variable.set("allow", "yes")
    assert run_cli(capsys, *args)[0] == 1
    code, _, err = run_cli(capsys, *args, "--rerun-failed-tasks")
    assert "Backfilling flaky_daily: 2 run(s)" in err
    assert code == 0
    assert {r[0] for r in query("SELECT state FROM dag_run")} == {"success"}


def test_bad_ranges_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """An inverted range or a DAG without schedule intervals in the range is a usage error."""
    code, _, err = run_cli(
        capsys,
        "dags",
        "backfill",
        "daily_catchup",
        "-s",
        "2024-02-01",
        "-e",
        "2024-01-01",
        "-S",
        SCHEDULED,
    )
    assert code == 2
    assert "must not be after --end-date" in err
    code, _, err = run_cli(
        capsys,
        "dags",
        "backfill",
        "slow_chain",
        "-s",
        "2024-01-01",
        "-e",
        "2024-01-02",
        "-S",
        SLOW,
    )
    assert code == 2
    assert "no schedule interval" in err


def test_depends_on_past(capsys: pytest.CaptureFixture[str]) -> None:
    """depends_on_past runs after a successful previous run and reports a deadlock after a failed one."""
    base = ["dags", "backfill", "past_dependent", "-S", SCHEDULED]
    assert run_cli(capsys, *base, "-s", "2024-01-02", "-e", "2024-01-02")[0] == 0
    code, _, _ = run_cli(capsys, *base, "-s", "2024-01-01", "-e", "2024-01-03")
    assert code == 1  # 2024-01-01 failed; 2024-01-03 ran because 2024-01-02 succeeded
    states = {
        r[0][:10]: r[1]
        for r in query("SELECT logical_date, state FROM dag_run ORDER BY logical_date")
    }
    assert states == {"2024-01-01": "failed", "2024-01-02": "success", "2024-01-03": "success"}
    assert (
        run_cli(
            capsys,
            "tasks",
            "clear",
            "past_dependent",
            "-S",
            SCHEDULED,
            "-s",
            "2024-01-02",
            "-e",
            "2024-01-02",
            "-y",
        )[0]
        == 0
    )
    code, _, err = run_cli(capsys, *base, "-s", "2024-01-02", "-e", "2024-01-02")
    assert code == 1
    assert "Backfill of past_dependent is stuck" in err
    assert "daily (run backfill__2024-01-02T00:00:00+00:00)" in err
