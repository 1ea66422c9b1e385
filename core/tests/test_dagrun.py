"""Tests for taskloom.models.dagrun.create: the one function every DAG run is created by."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime

import pytest
from runtime_helpers import DAGS

from taskloom import store
from taskloom.dag_processing import DagBag
from taskloom.models import dagrun
from taskloom.models.dag import DAG


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = store.connect()
    yield connection
    connection.close()


@pytest.fixture
def dag() -> DAG:
    return DagBag(DAGS / "basic.py").dags["xcom_flow"]


def test_data_interval_defaults_to_the_timetables_manual_interval(
    conn: sqlite3.Connection, dag: DAG
) -> None:
    when = datetime(2024, 3, 5, 12, tzinfo=UTC)
    run = dagrun.create(conn, dag, logical_date=when, run_type="manual")
    info = dag.infer_manual_data_interval(when)
    assert (run.data_interval_start, run.data_interval_end) == (
        info.data_interval_start,
        info.data_interval_end,
    )
    assert run.data_interval_start is not None
    stored = conn.execute(
        "SELECT count(*) FROM task_instance WHERE dag_id = ? AND run_id = ?",
        (dag.dag_id, run.run_id),
    ).fetchone()[0]
    assert stored == len(dag.task_dict) > 0


def test_replace_deletes_the_earlier_run_at_that_date(conn: sqlite3.Connection, dag: DAG) -> None:
    when = datetime(2024, 3, 5, tzinfo=UTC)
    first = dagrun.create(conn, dag, logical_date=when, run_type="manual", run_id="first")
    with pytest.raises(ValueError, match="already has a run 'first'"):
        dagrun.create(conn, dag, logical_date=when, run_type="manual", run_id="second")
    second = dagrun.create(
        conn, dag, logical_date=when, run_type="manual", run_id="second", replace=True
    )
    assert [r.run_id for r in dagrun.find(conn, dag.dag_id)] == [second.run_id]
    orphans = conn.execute(
        "SELECT count(*) FROM task_instance WHERE run_id = ?", (first.run_id,)
    ).fetchone()[0]
    assert orphans == 0


def test_the_cli_creates_runs_only_through_dagrun_create() -> None:
    """No SQL that creates or deletes DAG runs is left in the command line modules."""
    from pathlib import Path

    import taskloom.cli

    sources = [
        p.read_text(encoding="utf-8") for p in Path(taskloom.cli.__file__).parent.glob("*.py")
    ]
    assert len(sources) > 5
    for statement in ("INSERT INTO dag_run", "DELETE FROM dag_run", "INSERT INTO task_instance"):
        assert not any(statement in source for source in sources), statement
