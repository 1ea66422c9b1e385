"""The example_duckdb_etl DAG, run end to end with ``taskloom dags test`` on a real DuckDB file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from taskloom_testing.dagrun import DagRunOutcome

TASKS = [
    "extract_orders",
    "transform_orders",
    "load_daily_revenue",
    "check_daily_revenue",
    "summarize",
]
SUMMARY = {"days": 6, "orders_shipped": 13, "revenue": 266.2, "best_day": "2026-01-07"}

RunDag = Callable[..., DagRunOutcome]


@pytest.mark.parametrize("executor", ["sequential", "local"])
def test_etl_runs_end_to_end(
    run_dag: RunDag, duckdb_conn: Callable[..., None], tmp_path: Path, executor: str
) -> None:
    """Every task succeeds, the summary reaches XCom, the logs show the table, the file holds the result."""
    path = tmp_path / "etl.duckdb"
    duckdb_conn(extra={"path": str(path)})
    result = run_dag("example_duckdb_etl", None, "--executor", executor)
    assert result.returncode == 0, result.output + result.logs()
    assert result.task_states() == dict.fromkeys(TASKS, "success")
    assert result.xcoms()["extract_orders"] == 16
    assert result.xcoms()["summarize"] == SUMMARY
    assert f"extracted 16 orders from orders.csv into {path}" in result.logs()
    assert "2026-01-07       3     11      79.17" in result.logs()
    assert "total           13     50     266.20" in result.logs()
    with duckdb.connect(str(path), read_only=True) as conn:
        rows = conn.execute(
            "SELECT count(*), min(loaded_by_run), max(loaded_by_run) FROM daily_revenue"
        ).fetchall()
    assert rows == [(6, result.run_id, result.run_id)]  # the templated run_id was rendered


def test_etl_runs_again(run_dag: RunDag, duckdb_conn: Callable[..., None], tmp_path: Path) -> None:
    """A second run replaces the tables instead of failing or doubling the rows."""
    duckdb_conn(host=str(tmp_path / "etl.duckdb"))
    assert run_dag("example_duckdb_etl").returncode == 0
    second = run_dag("example_duckdb_etl", None, "2026-02-01")
    assert second.returncode == 0, second.logs()
    assert second.xcoms()["summarize"] == SUMMARY


def test_etl_refuses_in_memory_database(run_dag: RunDag, duckdb_conn: Callable[..., None]) -> None:
    """An in-memory connection fails the first task with the variable to set."""
    duckdb_conn()
    result = run_dag("example_duckdb_etl")
    assert result.returncode == 1
    assert result.task_states()["extract_orders"] == "failed"
    assert result.task_states()["summarize"] == "upstream_failed"
    assert "opens an in-memory database, which each task would see empty" in result.logs()
    assert "TASKLOOM_CONN_DUCKDB_DEFAULT=" in result.logs()
