"""XCom: small values tasks pass to each other, stored as JSON in the metadata DB."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC
from datetime import datetime
from typing import Any

#: The key under which a task's return value is stored.
XCOM_RETURN_KEY = "return_value"


def serialize(value: Any, *, task_id: str, key: str) -> str:
    """Encode an XCom value as JSON.

    :raises TypeError: naming the task and key when the value is not JSON-serializable.
    """
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"XCom {key!r} of task {task_id!r} is not JSON-serializable ({exc}); "
            "return or push plain data (str, int, float, bool, None, list, dict)."
        ) from None


def push(
    conn: sqlite3.Connection, dag_id: str, run_id: str, task_id: str, key: str, value: Any
) -> None:
    """Store ``value`` under ``key`` for one task instance (replacing an older value).

    The caller owns the transaction.
    """
    conn.execute(
        "INSERT OR REPLACE INTO xcom(dag_id, run_id, task_id, key, value, timestamp) VALUES (?, ?, ?, ?, ?, ?)",
        (
            dag_id,
            run_id,
            task_id,
            key,
            serialize(value, task_id=task_id, key=key),
            datetime.now(UTC).isoformat(),
        ),
    )


def pull(
    conn: sqlite3.Connection,
    dag_id: str,
    run_id: str,
    task_id: str,
    key: str | None = XCOM_RETURN_KEY,
    *,
    include_prior_dates: bool = False,
) -> Any:
    """Return the value ``task_id`` stored under ``key`` in this run, or ``None``.

    ``key=None`` applies no key filter: the value pushed last under any key (Airflow 1.10).
    With ``include_prior_dates``, the newest value from this run or an earlier run (by
    logical date) of the same DAG is returned.
    """
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
            f"SELECT x.value FROM xcom x WHERE x.dag_id = ? AND x.run_id = ? AND x.task_id = ?{key_filter} "
            "ORDER BY x.timestamp DESC LIMIT 1",
            (dag_id, run_id, task_id, *key_args),
        ).fetchone()
    return None if row is None or row[0] is None else json.loads(row[0])


def clear(conn: sqlite3.Connection, dag_id: str, run_id: str, task_id: str) -> None:
    """Delete every XCom of one task instance (before it runs again)."""
    conn.execute(
        "DELETE FROM xcom WHERE dag_id = ? AND run_id = ? AND task_id = ?",
        (dag_id, run_id, task_id),
    )


def list_for_run(conn: sqlite3.Connection, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    """Return every XCom of one run as ``{"task_id", "key", "value"}`` rows."""
    rows = conn.execute(
        "SELECT task_id, key, value FROM xcom WHERE dag_id = ? AND run_id = ? ORDER BY task_id, key",
        (dag_id, run_id),
    ).fetchall()
    return [
        {"task_id": r[0], "key": r[1], "value": json.loads(r[2]) if r[2] is not None else None}
        for r in rows
    ]
