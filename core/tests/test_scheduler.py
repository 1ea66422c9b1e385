"""Tests for taskloom.jobs.scheduler through `taskloom scheduler`: catchup, limits, pause, LatestOnly."""

from __future__ import annotations

from datetime import datetime

import pytest
from runtime_helpers import DAGS
from runtime_helpers import query
from runtime_helpers import run_cli
from runtime_helpers import task_states

from taskloom import configuration
from taskloom.jobs.scheduler import scheduler_lock

SCHEDULED = str(DAGS / "scheduled.py")
SLOW = str(DAGS / "slow.py")


@pytest.fixture
def scheduled_once(capsys: pytest.CaptureFixture[str]) -> str:
    """Run `taskloom scheduler --once` over the scheduled DAGs with the local executor; return its stdout."""
    code, out, _ = run_cli(capsys, "scheduler", "--once", "-S", SCHEDULED, "-x", "local")
    assert code == 0
    return out


def _runs(dag_id: str) -> list[tuple[str, str]]:
    rows = query(
        "SELECT logical_date, state FROM dag_run WHERE dag_id = ? ORDER BY logical_date", dag_id
    )
    return [(row[0][:10], row[1]) for row in rows]


def test_catchup_creates_every_missed_interval(scheduled_once: str) -> None:
    """catchup=True creates one scheduled run per interval up to end_date, and all of them run."""
    assert _runs("daily_catchup") == [
        ("2024-01-01", "success"),
        ("2024-01-02", "success"),
        ("2024-01-03", "success"),
        ("2024-01-04", "success"),
    ]
    lines = (configuration.home() / "executions.log").read_text().splitlines()
    assert sorted(lines) == [f"daily_catchup 2024-01-0{d} work" for d in range(1, 5)]
    assert "daily_catchup scheduled__2024-01-04T00:00:00+00:00: success" in scheduled_once


def test_no_catchup_runs_only_the_latest_interval(scheduled_once: str) -> None:
    """Without catchup only the latest complete interval runs, and LatestOnly lets it through."""
    runs = _runs("latest_daily")
    assert len(runs) == 1
    assert runs[0][1] == "success"
    assert task_states("latest_daily") == {"latest_only": "success", "notify": "success"}


def test_latest_only_skips_old_scheduled_runs(scheduled_once: str) -> None:
    """In catch-up runs that are not the latest interval, LatestOnly skips its downstream tasks."""
    run_ids = [
        r[0]
        for r in query(
            "SELECT run_id FROM dag_run WHERE dag_id = 'daily_catchup' ORDER BY logical_date"
        )
    ]
    assert len(run_ids) == 4, run_ids  # one per day of 2024-01-01..04
    for (date, _), run_id in zip(_runs("daily_catchup"), run_ids, strict=True):
        states = task_states("daily_catchup", run_id)
        assert states["notify"] == "skipped", date
        assert states["done"] == "success", date


def test_max_active_runs_is_honoured(scheduled_once: str) -> None:
    """No more than max_active_runs (2) runs of a DAG were running at the same time."""
    rows = query("SELECT start_date, end_date FROM dag_run WHERE dag_id = 'daily_catchup'")
    spans = [(datetime.fromisoformat(r[0]), datetime.fromisoformat(r[1])) for r in rows]
    assert len(spans) == 4, rows  # every catch-up run started and ended
    for start, _ in spans:
        overlapping = sum(1 for s, e in spans if s <= start < e)
        assert overlapping <= 2


def test_paused_dag_gets_no_runs(scheduled_once: str) -> None:
    """A DAG paused upon creation gets no runs; failed runs are reported as failed."""
    assert _runs("paused_daily") == []
    assert _runs("flaky_daily") == [("2024-01-01", "failed"), ("2024-01-02", "failed")]
    assert query("SELECT is_paused FROM dag WHERE dag_id = 'paused_daily'")[0][0] == 1


def test_manual_trigger_is_run_by_the_scheduler(capsys: pytest.CaptureFixture[str]) -> None:
    """A run queued by `dags trigger` is picked up and run; runs of a paused DAG wait."""
    run_cli(capsys, "dags", "trigger", "slow_chain", "-S", SLOW, "-r", "manual_one")
    run_cli(capsys, "dags", "pause", "latest_daily", "-S", SCHEDULED)
    run_cli(capsys, "dags", "trigger", "latest_daily", "-S", SCHEDULED, "-r", "waits")
    code, out, _ = run_cli(capsys, "scheduler", "--once", "-S", str(DAGS), "-x", "sequential")
    assert code == 0
    assert "slow_chain manual_one: success" in out
    assert query("SELECT state FROM dag_run WHERE run_id = 'waits'")[0][0] == "queued"


def test_num_runs_bounds_the_loop(capsys: pytest.CaptureFixture[str]) -> None:
    """--num-runs N stops after N iterations even with work left."""
    code, _, _ = run_cli(
        capsys, "scheduler", "--num-runs", "1", "-S", SCHEDULED, "-x", "sequential"
    )
    assert code == 0
    assert query("SELECT count(*) FROM dag_run")[0][0] >= 1


@pytest.mark.sqlite_only("one scheduler per SQLite DB; on PostgreSQL they run side by side")
def test_second_scheduler_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """On SQLite, while one scheduler holds the DB's lock, another one refuses to start,
    says why, and that PostgreSQL lifts the limit."""
    with scheduler_lock():
        code, _, err = run_cli(capsys, "scheduler", "--once", "-S", SCHEDULED)
    assert code == 1
    assert "another scheduler is running on the SQLite metadata DB" in err
    assert "SQLite allows one scheduler" in err
    assert "postgresql://" in err


def test_depends_on_past_waits_and_once_still_stops(scheduled_once: str) -> None:
    """A depends_on_past task after a failed run waits (the run stays running); --once still ends."""
    assert _runs("past_dependent") == [("2024-01-01", "failed"), ("2024-01-02", "running")]
    assert task_states("past_dependent", "scheduled__2024-01-02T00:00:00+00:00") == {"daily": None}


def test_manual_run_on_a_schedule_date_stands_for_it(capsys: pytest.CaptureFixture[str]) -> None:
    """A `dags test` run at a scheduled date is not duplicated (nor does it stop the scheduler)."""
    assert run_cli(capsys, "dags", "test", "daily_catchup", "2024-01-02", "-S", SCHEDULED)[0] == 0
    code, _, _ = run_cli(capsys, "scheduler", "--once", "-S", SCHEDULED, "-x", "sequential")
    assert code == 0
    rows = query(
        "SELECT logical_date, run_type, state FROM dag_run WHERE dag_id = 'daily_catchup' ORDER BY logical_date"
    )
    assert [(r[0][:10], r[1], r[2]) for r in rows] == [
        ("2024-01-01", "scheduled", "success"),
        ("2024-01-02", "manual", "success"),
        ("2024-01-03", "scheduled", "success"),
        ("2024-01-04", "scheduled", "success"),
    ]
