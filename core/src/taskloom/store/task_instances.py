"""The ``task_instance`` table: one row per task of a DAG run.

The scheduler's claims and admissions live in :mod:`.scheduling`, a try's start, finish
and heartbeat in :mod:`.tries`; this module holds the rest.
"""

from __future__ import annotations

from collections.abc import Iterable

from taskloom.store.connection import Connection
from taskloom.store.connection import Row

#: What ``dags state``, ``tasks state`` and ``dags test`` show of a task instance.
SUMMARY_COLUMNS = ("task_id", "state", "try_number", "start_date", "end_date", "duration")

_KEY = "dag_id = ? AND run_id = ? AND task_id = ?"


def insert(conn: Connection, dag_id: str, run_id: str, tasks: Iterable[tuple[str, int]]) -> None:
    """Insert state-less rows for ``(task_id, max_tries)`` of each task."""
    conn.executemany(
        "INSERT INTO task_instance(dag_id, run_id, task_id, max_tries) VALUES (?, ?, ?, ?)",
        [(dag_id, run_id, task_id, max_tries) for task_id, max_tries in tasks],
    )


def get(conn: Connection, dag_id: str, run_id: str, task_id: str) -> Row | None:
    """One task instance's row, or ``None``."""
    return conn.execute(  # type: ignore[no-any-return]
        f"SELECT * FROM task_instance WHERE {_KEY}", (dag_id, run_id, task_id)
    ).fetchone()


def for_run(conn: Connection, dag_id: str, run_id: str) -> list[Row]:
    """The rows of every task instance of one run, by task id."""
    return conn.execute(
        "SELECT * FROM task_instance WHERE dag_id = ? AND run_id = ? ORDER BY task_id",
        (dag_id, run_id),
    ).fetchall()


def states(conn: Connection, dag_id: str, run_id: str) -> dict[str, str | None]:
    """The state of each task instance of one run, by task id."""
    return {
        row[0]: row[1]
        for row in conn.execute(
            "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
            (dag_id, run_id),
        )
    }


def lock(conn: Connection, dag_id: str, run_id: str, task_id: str) -> Row | None:
    """``(state, owner)`` of a task instance, its row locked until the transaction ends
    (SQLite: ``BEGIN IMMEDIATE`` already holds the one write lock); ``None`` if absent."""
    for_update = " FOR UPDATE" if conn.dialect == "postgresql" else ""
    return conn.execute(  # type: ignore[no-any-return]
        f"SELECT state, owner FROM task_instance WHERE {_KEY}{for_update}",
        (dag_id, run_id, task_id),
    ).fetchone()


def mark_running(conn: Connection, dag_id: str, run_id: str, task_id: str, owner: str) -> None:
    """Mark a task instance running in the process ``owner`` (``tasks run``)."""
    conn.execute(
        f"UPDATE task_instance SET state = 'running', owner = ? WHERE {_KEY}",
        (owner, dag_id, run_id, task_id),
    )


def skip(conn: Connection, dag_id: str, run_id: str, task_ids: list[str], now: str) -> None:
    """Mark the given task instances skipped, those that have not started only."""
    placeholders = ", ".join("?" * len(task_ids))
    conn.execute(
        "UPDATE task_instance SET state = 'skipped', start_date = coalesce(start_date, ?), "
        "end_date = ?, next_try_at = NULL "
        f"WHERE dag_id = ? AND run_id = ? AND task_id IN ({placeholders}) "
        "AND (state IS NULL OR state IN ('scheduled', 'queued', 'up_for_retry', 'up_for_reschedule'))",
        (now, now, dag_id, run_id, *task_ids),
    )


def summaries(conn: Connection, dag_id: str, run_id: str, task_id: str | None = None) -> list[Row]:
    """:data:`SUMMARY_COLUMNS` of the run's task instances (only ``task_id``'s if given),
    in the order they started, those not started last."""
    sql, args = (
        f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM task_instance WHERE dag_id = ? AND run_id = ?",
        [dag_id, run_id],
    )
    if task_id is not None:
        sql += " AND task_id = ?"
        args.append(task_id)
    return conn.execute(sql + " ORDER BY start_date IS NULL, start_date, task_id", args).fetchall()


def find_to_clear(
    conn: Connection,
    dag_id: str,
    *,
    run_id: str | None = None,
    start: str | None = None,
    end: str | None = None,
    only_failed: bool = False,
) -> list[Row]:
    """``(run_id, task_id, state)`` of the DAG's task instances matching every filter:
    run id, logical dates from ``start`` to ``end``, failed ones only."""
    sql = (
        "SELECT ti.run_id, ti.task_id, ti.state FROM task_instance ti JOIN dag_run r "
        "ON r.dag_id = ti.dag_id AND r.run_id = ti.run_id WHERE ti.dag_id = ?"
    )
    args = [dag_id]
    if run_id:
        sql += " AND ti.run_id = ?"
        args.append(run_id)
    if start:
        sql += " AND r.logical_date >= ?"
        args.append(start)
    if end:
        sql += " AND r.logical_date <= ?"
        args.append(end)
    if only_failed:
        sql += " AND ti.state IN ('failed', 'upstream_failed')"
    return conn.execute(sql + " ORDER BY r.logical_date, ti.task_id", args).fetchall()


def clear(conn: Connection, dag_id: str, keys: Iterable[tuple[str, str]]) -> None:
    """Reset the ``(run_id, task_id)`` task instances so they run again."""
    conn.executemany(
        f"UPDATE task_instance SET state = NULL, next_try_at = NULL, end_date = NULL WHERE {_KEY}",
        [(dag_id, run_id, task_id) for run_id, task_id in keys],
    )


def previous_success(conn: Connection, dag_id: str, task_id: str, before: str) -> Row | None:
    """``(logical_date, start_date)`` of the task's newest successful instance in a run
    before the logical date ``before``, or ``None``."""
    return conn.execute(  # type: ignore[no-any-return]
        "SELECT r.logical_date, ti.start_date FROM task_instance ti JOIN dag_run r "
        "ON r.dag_id = ti.dag_id AND r.run_id = ti.run_id WHERE ti.dag_id = ? AND ti.task_id = ? "
        "AND ti.state = 'success' AND r.logical_date < ? ORDER BY r.logical_date DESC LIMIT 1",
        (dag_id, task_id, before),
    ).fetchone()


def state_at(
    conn: Connection, dag_id: str, task_id: str, logical_date: str
) -> tuple[str | None] | None:
    """``(state,)`` of the task in the DAG's run at ``logical_date``, or ``None`` if there is
    no such task instance."""
    row = conn.execute(
        "SELECT ti.state FROM task_instance ti JOIN dag_run r ON r.dag_id = ti.dag_id "
        "AND r.run_id = ti.run_id WHERE r.dag_id = ? AND ti.task_id = ? AND r.logical_date = ?",
        (dag_id, task_id, logical_date),
    ).fetchone()
    return None if row is None else (row[0],)
