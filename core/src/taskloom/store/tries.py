"""One try of a task instance: started, heartbeating, finished -- each fenced, so a try
is run by one process only, and a process whose try was declared dead cannot overwrite
what happened since."""

from __future__ import annotations

from taskloom.store.connection import Connection
from taskloom.store.connection import Row
from taskloom.utils.dates import utcnow

#: A fenced try starts only from ``queued`` (what the scheduler hands an executor), or
#: ``running`` by the same owner (``taskloom tasks run`` claims the task instance first):
#: a second delivery of a workload, after the first one started, ran, failed or was
#: retried, never starts another try.
_STARTABLE = "state = 'queued' OR (state = 'running' AND owner = ?)"


def start(
    conn: Connection,
    key: tuple[str, str, str],
    *,
    hostname: str,
    pid: int,
    owner: str,
    fenced: bool = True,
) -> Row | None:
    """Mark the task instance ``running`` as a new try; return ``(try_number, max_tries,
    first_attempt_started_at)``, or ``None`` when ``fenced`` and it is not waiting for
    this process (:data:`_STARTABLE`): the try must not start."""
    now = utcnow().isoformat()
    sql = (
        "UPDATE task_instance SET state = 'running', try_number = try_number + 1, start_date = ?, "
        "end_date = NULL, duration = NULL, next_try_at = NULL, hostname = ?, pid = ?, owner = ?, "
        "last_heartbeat = ?, first_attempt_started_at = coalesce(first_attempt_started_at, ?) "
        "WHERE dag_id = ? AND run_id = ? AND task_id = ?"
    )
    params: list[object] = [now, hostname, pid, owner, now, now, *key]
    if fenced:
        sql += f" AND ({_STARTABLE})"
        params.append(owner)
    row: Row | None = conn.execute(
        sql + " RETURNING try_number, max_tries, first_attempt_started_at", params
    ).fetchone()
    return row


def current(conn: Connection, key: tuple[str, str, str]) -> Row | None:
    """``(state, try_number, owner, last_heartbeat, next_try_at)`` of a task instance."""
    row: Row | None = conn.execute(
        "SELECT state, try_number, owner, last_heartbeat, next_try_at FROM task_instance "
        "WHERE dag_id = ? AND run_id = ? AND task_id = ?",
        key,
    ).fetchone()
    return row


def finish(
    conn: Connection,
    key: tuple[str, str, str],
    *,
    state: str,
    end_date: str,
    duration: float | None,
    next_try_at: str | None,
    try_number: int,
    started_try: int,
    owner: str,
) -> bool:
    """Record a try's outcome; ``False`` (nothing written) if the try is no longer this
    process's: declared dead and retried, or cleared, meanwhile."""
    cursor = conn.execute(
        "UPDATE task_instance SET state = ?, end_date = ?, duration = ?, next_try_at = ?, "
        "try_number = ?, pid = NULL, owner = NULL "
        "WHERE dag_id = ? AND run_id = ? AND task_id = ? AND state = 'running' "
        "AND try_number = ? AND owner = ?",
        (state, end_date, duration, next_try_at, try_number, *key, started_try, owner),
    )
    return cursor.rowcount == 1


def heartbeat(conn: Connection, key: tuple[str, str, str], try_number: int) -> None:
    """Record that the try ``try_number`` of a task instance is alive now."""
    conn.execute(
        "UPDATE task_instance SET last_heartbeat = ? WHERE dag_id = ? AND run_id = ? "
        "AND task_id = ? AND state = 'running' AND try_number = ?",
        (utcnow().isoformat(), *key, try_number),
    )


def fail_unfinished(conn: Connection, dag_id: str, run_id: str) -> list[tuple[str, int]]:
    """A run timed out: fail its running tries (fenced: their processes cannot record an
    outcome any more) and skip the task instances that never started; return the
    ``(task_id, try_number)`` of the failed ones."""
    now = utcnow().isoformat()
    failed = conn.execute(
        "UPDATE task_instance SET state = 'failed', end_date = ?, pid = NULL, owner = NULL "
        "WHERE dag_id = ? AND run_id = ? AND state = 'running' RETURNING task_id, try_number",
        (now, dag_id, run_id),
    ).fetchall()
    conn.execute(
        "UPDATE task_instance SET state = 'skipped', end_date = ? WHERE dag_id = ? AND run_id = ? "
        "AND (state IS NULL OR state IN ('queued', 'scheduled', 'up_for_retry', 'up_for_reschedule'))",
        (now, dag_id, run_id),
    )
    return [(row[0], int(row[1])) for row in failed]
