"""Claims that keep several schedulers from running the same work (PostgreSQL), and the
queries scheduling decisions are made from.

On PostgreSQL a scheduler claims a DAG (to create or start its runs) or a run (to drive
it) with ``SELECT ... FOR UPDATE SKIP LOCKED`` inside a short transaction: a row another
scheduler holds is skipped, never waited for, and looked at again on the next loop.  On
SQLite ``BEGIN IMMEDIATE`` already serializes writers, and only one scheduler may run.
"""

from __future__ import annotations

from taskloom.store.connection import Connection


def _skip_locked(conn: Connection) -> str:
    return " FOR UPDATE SKIP LOCKED" if conn.dialect == "postgresql" else ""


def claim_dag(conn: Connection, dag_id: str) -> bool:
    """Lock the DAG's row for this transaction; ``False`` if another scheduler holds it
    (or the DAG is not recorded yet)."""
    row = conn.execute(
        "SELECT dag_id FROM dag WHERE dag_id = ?" + _skip_locked(conn), (dag_id,)
    ).fetchone()
    return row is not None


def claim_run(conn: Connection, dag_id: str, run_id: str) -> tuple[str, int | None] | None:
    """Lock a run's row for this transaction: ``(state, driving job id)``, or ``None`` if
    another scheduler holds it (or it was deleted)."""
    row = conn.execute(
        "SELECT state, job_id FROM dag_run WHERE dag_id = ? AND run_id = ?" + _skip_locked(conn),
        (dag_id, run_id),
    ).fetchone()
    return (row[0], row[1]) if row is not None else None


def active_run_counts(conn: Connection) -> tuple[dict[str, int], dict[str, int]]:
    """Per DAG: runs queued or running (for creating runs), and runs running (for starting
    them), backfills excluded from the first."""
    active = {
        row[0]: row[1]
        for row in conn.execute(
            "SELECT dag_id, count(*) FROM dag_run WHERE state IN ('queued', 'running') "
            "AND run_type != 'backfill' GROUP BY dag_id"
        )
    }
    running = {
        row[0]: row[1]
        for row in conn.execute(
            "SELECT dag_id, count(*) FROM dag_run WHERE state = 'running' GROUP BY dag_id"
        )
    }
    return active, running


def running_runs_of(conn: Connection, dag_id: str) -> int:
    """How many runs of the DAG are running now."""
    row = conn.execute(
        "SELECT count(*) FROM dag_run WHERE dag_id = ? AND state = 'running'", (dag_id,)
    ).fetchone()
    return int(row[0])


def orphaned_runs(conn: Connection, heartbeat_cutoff: str) -> list[tuple[str, str]]:
    """``(dag_id, run_id)`` of running runs (not backfills) whose driving job ended, or has
    not heartbeat since ``heartbeat_cutoff``: a live scheduler adopts them."""
    rows = conn.execute(
        "SELECT r.dag_id, r.run_id FROM dag_run r LEFT JOIN job j ON j.id = r.job_id "
        "WHERE r.state = 'running' AND r.run_type != 'backfill' "
        "AND (j.id IS NULL OR j.state != 'running' OR j.latest_heartbeat < ?) "
        "ORDER BY r.logical_date",
        (heartbeat_cutoff,),
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def paused_dag_ids(conn: Connection) -> set[str]:
    """The ids of paused DAGs."""
    return {row[0] for row in conn.execute("SELECT dag_id FROM dag WHERE is_paused = 1")}


def sync_dags(conn: Connection, rows: list[tuple[str, str, int, str]]) -> None:
    """Record ``(dag_id, fileloc, paused_at_creation, parsed_at)`` rows; a known DAG keeps
    its paused flag."""
    with conn.transaction():
        conn.executemany(
            "INSERT INTO dag(dag_id, fileloc, is_paused, last_parsed) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(dag_id) DO UPDATE SET fileloc = excluded.fileloc, last_parsed = excluded.last_parsed",
            rows,
        )
