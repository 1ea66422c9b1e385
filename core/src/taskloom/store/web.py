"""What taskloom-webserver reads and writes that no other store module offers: its users,
sessions and API tokens (migration 0004: ``web_user``, ``web_session``, ``web_api_token``),
paged lists of runs, the grid's states, marking runs and tasks, and the newest scheduler
heartbeat.

The webserver sends no SQL of its own (the store's rule): for the rest it calls the other
store modules (:mod:`.dags`, :mod:`.pools`, :mod:`.task_instances`, :mod:`.dag_runs`) and
core's models (:mod:`taskloom.models.dagrun`, :mod:`taskloom.models.xcom`, the metastore
secrets backend, :class:`~taskloom.models.variable.Variable`).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from typing import NamedTuple

from taskloom.store import dag_runs
from taskloom.store.connection import Connection
from taskloom.store.connection import Row
from taskloom.utils.dates import parse_datetime
from taskloom.utils.dates import utcnow

#: Task states a run still has work for.
_UNFINISHED = ("scheduled", "queued", "running", "up_for_retry", "up_for_reschedule")


def _in(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


# --- users, sessions, tokens -------------------------------------------------------------


class UserRow(NamedTuple):
    """One row of ``web_user``."""

    username: str
    password_hash: str
    role: str
    created_at: str


def insert_user(conn: Connection, username: str, password_hash: str, role: str) -> bool:
    """Add a user; return ``False`` (and change nothing) if the name is taken."""
    cursor = conn.execute(
        "INSERT INTO web_user(username, password_hash, role, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (username) DO NOTHING",
        (username, password_hash, role, utcnow().isoformat()),
    )
    return cursor.rowcount > 0


def get_user(conn: Connection, username: str) -> UserRow | None:
    row = conn.execute(
        "SELECT username, password_hash, role, created_at FROM web_user WHERE username = ?",
        (username,),
    ).fetchone()
    return UserRow(*row) if row is not None else None


def list_users(conn: Connection) -> list[UserRow]:
    rows = conn.execute(
        "SELECT username, password_hash, role, created_at FROM web_user ORDER BY username"
    ).fetchall()
    return [UserRow(*row) for row in rows]


def update_password_hash(conn: Connection, username: str, password_hash: str) -> None:
    """Store a re-hashed password (the hash parameters were raised since it was set)."""
    conn.execute(
        "UPDATE web_user SET password_hash = ? WHERE username = ?", (password_hash, username)
    )


def delete_user(conn: Connection, username: str) -> bool:
    """Delete a user with their sessions and tokens; return whether one existed."""
    with conn.transaction():
        conn.execute("DELETE FROM web_session WHERE username = ?", (username,))
        conn.execute("DELETE FROM web_api_token WHERE username = ?", (username,))
        return conn.execute("DELETE FROM web_user WHERE username = ?", (username,)).rowcount > 0


def insert_session(
    conn: Connection, id_hash: str, username: str, csrf_token: str, expires_at: datetime
) -> None:
    """Record a browser session (and forget the expired ones)."""
    with conn.transaction():
        conn.execute("DELETE FROM web_session WHERE expires_at < ?", (utcnow().isoformat(),))
        conn.execute(
            "INSERT INTO web_session(id_hash, username, csrf_token, expires_at) VALUES (?, ?, ?, ?)",
            (id_hash, username, csrf_token, expires_at.isoformat()),
        )


def session_user(conn: Connection, id_hash: str) -> tuple[UserRow, str] | None:
    """The user of a live session and the session's CSRF token, or ``None``."""
    row = conn.execute(
        "SELECT u.username, u.password_hash, u.role, u.created_at, s.csrf_token "
        "FROM web_session s JOIN web_user u ON u.username = s.username "
        "WHERE s.id_hash = ? AND s.expires_at > ?",
        (id_hash, utcnow().isoformat()),
    ).fetchone()
    return (UserRow(*row[:4]), str(row[4])) if row is not None else None


def delete_session(conn: Connection, id_hash: str) -> None:
    conn.execute("DELETE FROM web_session WHERE id_hash = ?", (id_hash,))


def insert_token(conn: Connection, token_hash: str, username: str) -> None:
    conn.execute(
        "INSERT INTO web_api_token(token_hash, username, created_at) VALUES (?, ?, ?)",
        (token_hash, username, utcnow().isoformat()),
    )


def token_user(conn: Connection, token_hash: str) -> UserRow | None:
    row = conn.execute(
        "SELECT u.username, u.password_hash, u.role, u.created_at FROM web_api_token t "
        "JOIN web_user u ON u.username = t.username WHERE t.token_hash = ?",
        (token_hash,),
    ).fetchone()
    return UserRow(*row) if row is not None else None


# --- DAGs and runs -----------------------------------------------------------------------


def ping(conn: Connection) -> None:
    """A trivial query: raises if the store cannot be read."""
    conn.execute("SELECT 1").fetchone()


def recent_runs(conn: Connection, dag_ids: Sequence[str], per_dag: int) -> dict[str, list[Row]]:
    """The ``per_dag`` newest ``dag_run`` rows of each DAG, newest first (one query a page)."""
    found: dict[str, list[Row]] = {dag_id: [] for dag_id in dag_ids}
    if not dag_ids:
        return found
    rows = conn.execute(
        "SELECT * FROM (SELECT dag_run.*, row_number() OVER "
        "(PARTITION BY dag_id ORDER BY logical_date DESC) AS recent_rank "
        f"FROM dag_run WHERE dag_id IN ({_in(dag_ids)})) AS ranked "
        "WHERE recent_rank <= ? ORDER BY dag_id, logical_date DESC",
        (*dag_ids, per_dag),
    ).fetchall()
    for row in rows:
        found[row["dag_id"]].append(row)
    return found


def _run_filter(dag_id: str, states: Sequence[str]) -> tuple[str, list[Any]]:
    sql, args = "dag_id = ?", [dag_id]
    if states:
        sql += f" AND state IN ({_in(states)})"
        args.extend(states)
    return sql, args


def count_runs(conn: Connection, dag_id: str, states: Sequence[str] = ()) -> int:
    sql, args = _run_filter(dag_id, states)
    return int(conn.execute(f"SELECT count(*) FROM dag_run WHERE {sql}", args).fetchone()[0])


def list_runs(
    conn: Connection, dag_id: str, *, limit: int, offset: int, states: Sequence[str] = ()
) -> list[Row]:
    """``dag_run`` rows of one DAG, newest logical date first."""
    sql, args = _run_filter(dag_id, states)
    return list(
        conn.execute(
            f"SELECT * FROM dag_run WHERE {sql} ORDER BY logical_date DESC LIMIT ? OFFSET ?",
            (*args, limit, offset),
        ).fetchall()
    )


def mark_run(conn: Connection, dag_id: str, run_id: str, state: str) -> int:
    """Set a run's final state and its unfinished tasks', as Airflow does: success marks them
    success; failed marks running and queued ones failed and the rest skipped.  Return how
    many task instances changed."""
    now = utcnow().isoformat()
    unfinished = f"(state IS NULL OR state IN ({_in(_UNFINISHED)}))"
    with conn.transaction():
        if state == "success":
            changed = conn.execute(
                "UPDATE task_instance SET state = 'success', end_date = ?, next_try_at = NULL "
                f"WHERE dag_id = ? AND run_id = ? AND {unfinished}",
                (now, dag_id, run_id, *_UNFINISHED),
            ).rowcount
        else:
            changed = conn.execute(
                "UPDATE task_instance SET state = 'failed', end_date = ?, next_try_at = NULL "
                "WHERE dag_id = ? AND run_id = ? AND state IN ('running', 'queued')",
                (now, dag_id, run_id),
            ).rowcount
            changed += conn.execute(
                "UPDATE task_instance SET state = 'skipped', end_date = ?, next_try_at = NULL "
                f"WHERE dag_id = ? AND run_id = ? AND {unfinished}",
                (now, dag_id, run_id, *_UNFINISHED),
            ).rowcount
        # Finished: no job drives it any more.
        conn.execute(
            "UPDATE dag_run SET state = ?, start_date = coalesce(start_date, ?), end_date = ?, "
            "job_id = NULL WHERE dag_id = ? AND run_id = ?",
            (state, now, now, dag_id, run_id),
        )
    return int(changed)


# --- task instances ----------------------------------------------------------------------


def grid_states(
    conn: Connection, dag_id: str, run_ids: Sequence[str]
) -> dict[tuple[str, str], str | None]:
    """``(run_id, task_id) -> state`` for the given runs of one DAG."""
    if not run_ids:
        return {}
    rows = conn.execute(
        f"SELECT run_id, task_id, state FROM task_instance WHERE dag_id = ? AND run_id IN ({_in(run_ids)})",
        (dag_id, *run_ids),
    ).fetchall()
    return {(row[0], row[1]): row[2] for row in rows}


def mark_task_instances(
    conn: Connection, dag_id: str, run_id: str, task_ids: Iterable[str], state: str
) -> int:
    """Set task instances (not running ones) to ``success`` or ``failed``; their finished run
    goes back to queued so a scheduler settles the tasks downstream and the run's state."""
    ids = sorted(set(task_ids))
    with conn.transaction():
        changed = conn.execute(
            "UPDATE task_instance SET state = ?, end_date = ?, next_try_at = NULL "
            f"WHERE dag_id = ? AND run_id = ? AND task_id IN ({_in(ids)}) "
            "AND (state IS NULL OR state <> 'running')",
            (state, utcnow().isoformat(), dag_id, run_id, *ids),
        ).rowcount
        if changed:
            dag_runs.requeue_finished(conn, dag_id, [run_id])
    return int(changed)


# --- scheduler health --------------------------------------------------------------------


def latest_scheduler_heartbeat(conn: Connection) -> datetime | None:
    """The newest heartbeat of a running scheduler job, or ``None`` if none runs."""
    row = conn.execute(
        "SELECT max(latest_heartbeat) FROM job WHERE job_type = 'scheduler' AND state = 'running'"
    ).fetchone()
    return parse_datetime(row[0]) if row is not None and row[0] else None
