"""What executors whose workers run elsewhere (the celery provider's) read about the tries
they have in flight: one query per DAG run, however many tries (see
:mod:`taskloom.execution.remote`)."""

from __future__ import annotations

from taskloom.store.connection import Connection
from taskloom.store.connection import Row


def tries_of_run(conn: Connection, dag_id: str, run_id: str) -> list[Row]:
    """``(task_id, state, try_number, owner, last_heartbeat, next_try_at)`` of every task
    instance of one run."""
    rows: list[Row] = conn.execute(
        "SELECT task_id, state, try_number, owner, last_heartbeat, next_try_at "
        "FROM task_instance WHERE dag_id = ? AND run_id = ?",
        (dag_id, run_id),
    ).fetchall()
    return rows
