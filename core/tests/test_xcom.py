"""Tests for taskloom.models.xcom: JSON storage, pulls by one id or a list, prior dates, clearing."""

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
from taskloom.models import xcom
from taskloom.models.taskinstance import TaskInstance


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    """A metadata DB connection, closed after the test."""
    connection = store.connect()
    yield connection
    connection.close()


@pytest.fixture
def runs() -> list[str]:
    """Two runs of xcom_flow (Jan 1 and Jan 2); returns their run ids."""
    dag = DagBag(DAGS / "basic.py").dags["xcom_flow"]
    conn = store.connect()
    ids = []
    for day in (1, 2):
        run = dagrun.create(
            conn,
            dag,
            logical_date=datetime(2024, 1, day, tzinfo=UTC),
            run_type="manual",
        )
        ids.append(run.run_id)
    conn.close()
    return ids


def test_push_pull_round_trip(runs: list[str], conn: sqlite3.Connection) -> None:
    """Values round-trip as JSON; a list of task ids returns a list in that order."""
    ti = TaskInstance("xcom_flow", runs[0], "produce", conn=conn)
    ti.xcom_push("payload", {"rows": [1, 2], "ok": True})
    ti.xcom_push("return_value", "r")
    other = TaskInstance("xcom_flow", runs[0], "consume", conn=conn)
    assert other.xcom_pull(task_ids="produce", key="payload") == {"rows": [1, 2], "ok": True}
    assert other.xcom_pull(task_ids=["consume", "produce"]) == [None, "r"]


def test_non_json_values_are_refused(runs: list[str], conn: sqlite3.Connection) -> None:
    """A value JSON cannot hold is refused with the task and key named."""
    ti = TaskInstance("xcom_flow", runs[0], "produce", conn=conn)
    with pytest.raises(TypeError, match="XCom 'bad' of task 'produce' is not JSON-serializable"):
        ti.xcom_push("bad", object())


def test_include_prior_dates(runs: list[str], conn: sqlite3.Connection) -> None:
    """include_prior_dates falls back to the newest earlier run's value; later runs are not seen."""
    TaskInstance("xcom_flow", runs[0], "produce", conn=conn).xcom_push("state", "from jan 1")
    later = TaskInstance("xcom_flow", runs[1], "consume", conn=conn)
    assert later.xcom_pull(task_ids="produce", key="state") is None
    assert (
        later.xcom_pull(task_ids="produce", key="state", include_prior_dates=True) == "from jan 1"
    )
    TaskInstance("xcom_flow", runs[1], "produce", conn=conn).xcom_push("state", "from jan 2")
    earlier = TaskInstance("xcom_flow", runs[0], "consume", conn=conn)
    assert (
        earlier.xcom_pull(task_ids="produce", key="state", include_prior_dates=True) == "from jan 1"
    )


def test_clear_and_list(runs: list[str], conn: sqlite3.Connection) -> None:
    """clear() drops one task instance's values; list_for_run shows the rest."""
    TaskInstance("xcom_flow", runs[0], "produce", conn=conn).xcom_push("a", 1)
    TaskInstance("xcom_flow", runs[0], "consume", conn=conn).xcom_push("b", 2)
    conn = store.connect()
    with conn.transaction():
        xcom.clear(conn, "xcom_flow", runs[0], "produce")
    assert xcom.list_for_run(conn, "xcom_flow", runs[0]) == [
        {"task_id": "consume", "key": "b", "value": 2}
    ]
    conn.close()


def test_deleting_a_run_deletes_its_xcoms(runs: list[str], conn: sqlite3.Connection) -> None:
    """XComs belong to their run (foreign key with cascade)."""
    TaskInstance("xcom_flow", runs[0], "produce", conn=conn).xcom_push("a", 1)
    with conn.transaction():
        conn.execute("DELETE FROM dag_run WHERE run_id = ?", (runs[0],))
    assert conn.execute("SELECT count(*) FROM xcom").fetchone()[0] == 0
