"""Claims that keep several schedulers from running the same work (PostgreSQL), and the
queries scheduling decisions are made from.

On PostgreSQL a scheduler claims a DAG (to create or start its runs) or a run (to drive
it) with ``SELECT ... FOR UPDATE SKIP LOCKED`` inside a short transaction: a row another
scheduler holds is skipped, never waited for, and looked at again on the next loop.  On
SQLite ``BEGIN IMMEDIATE`` already serializes writers, and only one scheduler may run.
"""

from __future__ import annotations

from taskloom.store import pools as pool_store
from taskloom.store.connection import Connection
from taskloom.store.jobs import JobRow
from taskloom.utils.dates import utcnow


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


def running_runs_with_drivers(conn: Connection) -> list[tuple[str, str, JobRow | None]]:
    """``(dag_id, run_id, driving job)`` of running runs (not backfills), oldest first: the
    scheduler adopts those whose driver is dead."""
    rows = conn.execute(
        "SELECT r.dag_id, r.run_id, j.id, j.state, j.hostname, j.pid, j.latest_heartbeat "
        "FROM dag_run r LEFT JOIN job j ON j.id = r.job_id "
        "WHERE r.state = 'running' AND r.run_type != 'backfill' ORDER BY r.logical_date"
    ).fetchall()
    return [
        (row[0], row[1], JobRow(row[2], row[3], row[4], row[5], row[6]) if row[2] else None)
        for row in rows
    ]


def paused_dag_ids(conn: Connection) -> set[str]:
    """The ids of paused DAGs."""
    return {row[0] for row in conn.execute("SELECT dag_id FROM dag WHERE is_paused = 1")}


def sync_dags(conn: Connection, rows: list[tuple[str, str, int, str]]) -> None:
    """Record ``(dag_id, fileloc, paused_at_creation, parsed_at)`` rows; a known DAG keeps
    its paused flag.  Rows are written in DAG id order, the order every lock on DAG rows
    is taken in, so two schedulers never deadlock."""
    rows = sorted(rows)
    with conn.transaction():
        conn.executemany(
            "INSERT INTO dag(dag_id, fileloc, is_paused, last_parsed) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(dag_id) DO UPDATE SET fileloc = excluded.fileloc, last_parsed = excluded.last_parsed",
            rows,
        )


def admission_counts(
    conn: Connection, dag_ids: list[str], pools: list[str]
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """What queueing more task instances must respect, read inside the caller's transaction:
    ``(slots per pool, slots used per pool, queued or running task instances per DAG)``.

    A pool missing from the first mapping does not exist.  On PostgreSQL the DAG and pool
    rows are locked (in name order, so two schedulers never deadlock) until the caller
    commits the task instances it queued: schedulers side by side never overfill a pool
    or a DAG's ``max_active_tasks`` together.
    """
    dag_ids, pools = sorted(set(dag_ids)), sorted(set(pools))
    dag_marks = ", ".join("?" * len(dag_ids))
    if conn.dialect == "postgresql":
        if dag_ids:
            conn.execute(
                f"SELECT dag_id FROM dag WHERE dag_id IN ({dag_marks}) ORDER BY dag_id FOR UPDATE",
                dag_ids,
            )
        if pools:
            conn.execute(
                f"SELECT pool FROM slot_pool WHERE pool IN ({', '.join('?' * len(pools))}) "
                "ORDER BY pool FOR UPDATE",
                pools,
            )
    active = (
        {
            row[0]: int(row[1])
            for row in conn.execute(
                "SELECT dag_id, count(*) FROM task_instance "
                f"WHERE state IN ('queued', 'running') AND dag_id IN ({dag_marks}) GROUP BY dag_id",
                dag_ids,
            )
        }
        if dag_ids
        else {}
    )
    return pool_store.slots(conn, pools), pool_store.occupied_slots(conn, pools), active


def mark_queued(
    conn: Connection, rows: list[tuple[str, int, str | None, str, str, str, str]]
) -> None:
    """Queue task instances: ``(pool, pool_slots, queue, queued_at, dag_id, run_id, task_id)``."""
    conn.executemany(
        "UPDATE task_instance SET state = 'queued', pool = ?, pool_slots = ?, queue = ?, queued_at = ? "
        "WHERE dag_id = ? AND run_id = ? AND task_id = ?",
        rows,
    )


def write_decided(conn: Connection, decided: list[tuple[str, str, str, str]]) -> None:
    """Record states the scheduler decided without running the task (skipped, upstream
    failed): ``(state, dag_id, run_id, task_id)``."""
    now = utcnow().isoformat()
    conn.executemany(
        "UPDATE task_instance SET state = ?, start_date = coalesce(start_date, ?), end_date = ? "
        "WHERE dag_id = ? AND run_id = ? AND task_id = ?",
        [(state, now, now, dag_id, run_id, task_id) for state, dag_id, run_id, task_id in decided],
    )


def running_tries_of_job(
    conn: Connection, job_id: int
) -> list[tuple[tuple[str, str, str], str | None, str | None]]:
    """Running task instances in runs job ``job_id`` drives: ``((dag_id, run_id, task_id),
    owner, last heartbeat)``."""
    rows = conn.execute(
        "SELECT ti.dag_id, ti.run_id, ti.task_id, ti.owner, ti.last_heartbeat FROM task_instance ti "
        "JOIN dag_run r ON r.dag_id = ti.dag_id AND r.run_id = ti.run_id "
        "WHERE ti.state = 'running' AND r.job_id = ?",
        (job_id,),
    ).fetchall()
    return [((row[0], row[1], row[2]), row[3], row[4]) for row in rows]


def reset_unstarted(conn: Connection, dag_id: str, run_id: str, task_ids: list[str]) -> None:
    """Forget the queued state of task instances whose workload may be lost (their run's
    driver died): they are decided again.  A workload still delivered later cannot start a
    second try: starting one is fenced (:func:`taskloom.store.tries.start`)."""
    conn.executemany(
        "UPDATE task_instance SET state = NULL, pid = NULL, owner = NULL "
        "WHERE dag_id = ? AND run_id = ? AND task_id = ? AND state IN ('queued', 'scheduled')",
        [(dag_id, run_id, tid) for tid in task_ids],
    )


def task_rows(
    conn: Connection, dag_id: str, run_id: str
) -> list[tuple[str, str | None, str | None]]:
    """``(task_id, state, next_try_at)`` of every task instance of a run."""
    rows = conn.execute(
        "SELECT task_id, state, next_try_at FROM task_instance WHERE dag_id = ? AND run_id = ?",
        (dag_id, run_id),
    ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]


def cleared_tasks(conn: Connection, dag_id: str, run_id: str) -> list[str]:
    """Task ids of the run with no state: cleared from outside (``taskloom tasks clear``)."""
    rows = conn.execute(
        "SELECT task_id FROM task_instance WHERE dag_id = ? AND run_id = ? AND state IS NULL",
        (dag_id, run_id),
    ).fetchall()
    return [row[0] for row in rows]


def try_of(conn: Connection, key: tuple[str, str, str]) -> tuple[str | None, int, int, str | None]:
    """``(state, try_number, max_tries, next_try_at)`` of a task instance."""
    row = conn.execute(
        "SELECT state, try_number, max_tries, next_try_at FROM task_instance "
        "WHERE dag_id = ? AND run_id = ? AND task_id = ?",
        key,
    ).fetchone()
    return row[0], int(row[1]), int(row[2]), row[3]


def end_dead_try(
    conn: Connection,
    key: tuple[str, str, str],
    *,
    state: str,
    try_number: int,
    next_try_at: str | None,
) -> None:
    """Record the end of a try whose process died: ``up_for_retry`` or ``failed``."""
    conn.execute(
        "UPDATE task_instance SET state = ?, try_number = ?, end_date = ?, next_try_at = ?, "
        "pid = NULL, owner = NULL WHERE dag_id = ? AND run_id = ? AND task_id = ?",
        (state, try_number, utcnow().isoformat(), next_try_at, *key),
    )


def previous_state(
    conn: Connection, dag_id: str, task_id: str, before: str
) -> tuple[bool, str | None]:
    """``(whether the DAG has a run before logical date before, the task's state in the
    latest such run)``: ``depends_on_past`` waits on it."""
    row = conn.execute(
        "SELECT ti.state FROM task_instance ti JOIN dag_run r ON r.dag_id = ti.dag_id "
        "AND r.run_id = ti.run_id WHERE r.dag_id = ? AND ti.task_id = ? AND r.logical_date < ? "
        "ORDER BY r.logical_date DESC LIMIT 1",
        (dag_id, task_id, before),
    ).fetchone()
    return (row is not None, row[0] if row is not None else None)


def reset_failed(conn: Connection, dag_id: str, run_id: str) -> None:
    """Clear the failed, upstream-failed and skipped task instances of a run (a backfill
    re-running it)."""
    conn.execute(
        "UPDATE task_instance SET state = NULL, next_try_at = NULL WHERE dag_id = ? AND run_id = ? "
        "AND state IN ('failed', 'upstream_failed', 'skipped')",
        (dag_id, run_id),
    )
