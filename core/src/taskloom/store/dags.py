"""The ``dag`` table: the DAGs the scheduler has seen, and whether each is paused."""

from __future__ import annotations

from taskloom.store.connection import Connection


def paused(conn: Connection) -> dict[str, bool]:
    """Whether each recorded DAG is paused, by DAG id."""
    return {row[0]: bool(row[1]) for row in conn.execute("SELECT dag_id, is_paused FROM dag")}


def set_paused(conn: Connection, dag_id: str, is_paused: bool) -> None:
    """Pause or unpause a recorded DAG."""
    conn.execute("UPDATE dag SET is_paused = ? WHERE dag_id = ?", (int(is_paused), dag_id))


def exists(conn: Connection, dag_id: str) -> bool:
    """Whether the DAG is recorded."""
    return conn.execute("SELECT 1 FROM dag WHERE dag_id = ?", (dag_id,)).fetchone() is not None
