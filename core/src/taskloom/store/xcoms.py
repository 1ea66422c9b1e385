"""The ``xcom`` table: values tasks pass to each other, stored as JSON text."""

from __future__ import annotations

from taskloom.store.connection import Connection
from taskloom.store.connection import Row


def put(
    conn: Connection,
    dag_id: str,
    run_id: str,
    task_id: str,
    key: str,
    value: str,
    timestamp: str,
) -> None:
    """Store the JSON text ``value`` under ``key`` for one task instance, replacing an older one."""
    conn.execute(
        "INSERT INTO xcom(dag_id, run_id, task_id, key, value, timestamp) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(dag_id, run_id, task_id, key) DO UPDATE SET value = excluded.value, "
        "timestamp = excluded.timestamp",
        (dag_id, run_id, task_id, key, value, timestamp),
    )


def latest(
    conn: Connection,
    dag_id: str,
    run_id: str,
    task_id: str,
    key: str | None,
    *,
    include_prior_dates: bool = False,
) -> str | None:
    """The JSON text ``task_id`` stored under ``key`` (``None``: any key) in this run, the
    newest first; with ``include_prior_dates`` also from earlier runs (by logical date)."""
    key_filter = "" if key is None else " AND x.key = ?"
    key_args = () if key is None else (key,)
    if include_prior_dates:
        row = conn.execute(
            "SELECT x.value FROM xcom x JOIN dag_run r ON r.dag_id = x.dag_id AND r.run_id = x.run_id "
            f"WHERE x.dag_id = ? AND x.task_id = ?{key_filter} AND r.logical_date <= "
            "(SELECT logical_date FROM dag_run WHERE dag_id = ? AND run_id = ?) "
            "ORDER BY r.logical_date DESC, x.timestamp DESC LIMIT 1",
            (dag_id, task_id, *key_args, dag_id, run_id),
        ).fetchone()
    else:
        row = conn.execute(
            "SELECT x.value FROM xcom x WHERE x.dag_id = ? AND x.run_id = ? AND x.task_id = ?"
            f"{key_filter} ORDER BY x.timestamp DESC LIMIT 1",
            (dag_id, run_id, task_id, *key_args),
        ).fetchone()
    return None if row is None else row[0]


def delete_for_task(conn: Connection, dag_id: str, run_id: str, task_id: str) -> None:
    """Delete every XCom of one task instance."""
    conn.execute(
        "DELETE FROM xcom WHERE dag_id = ? AND run_id = ? AND task_id = ?",
        (dag_id, run_id, task_id),
    )


def for_run(conn: Connection, dag_id: str, run_id: str) -> list[Row]:
    """``(task_id, key, value)`` of every XCom of one run, by task and key."""
    return conn.execute(
        "SELECT task_id, key, value FROM xcom WHERE dag_id = ? AND run_id = ? ORDER BY task_id, key",
        (dag_id, run_id),
    ).fetchall()
