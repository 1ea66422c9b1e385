"""The ``task_state`` table: what a task keeps between its runs, by (DAG, task, key).

An incremental read keeps its cursor here (taskloom-declarative: key ``stream:<name>``);
values are text (JSON by convention), written only by the task that owns them.
"""

from __future__ import annotations

from taskloom.store.connection import Connection


def get(conn: Connection, dag_id: str, task_id: str, key: str) -> str | None:
    """The stored value, or ``None``."""
    row = conn.execute(
        "SELECT value FROM task_state WHERE dag_id = ? AND task_id = ? AND key = ?",
        (dag_id, task_id, key),
    ).fetchone()
    return None if row is None else row[0]


def put(conn: Connection, dag_id: str, task_id: str, key: str, value: str, updated_at: str) -> None:
    """Store ``value`` under the key, replacing an older one."""
    conn.execute(
        "INSERT INTO task_state(dag_id, task_id, key, value, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(dag_id, task_id, key) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at",
        (dag_id, task_id, key, value, updated_at),
    )
