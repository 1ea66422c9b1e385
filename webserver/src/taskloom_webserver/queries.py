"""Every read and write of the metadata DB the webserver makes, in one module.

Core's store layer (one API over SQLite and PostgreSQL) is being built; until it lands the
webserver reads through core's own model functions where they exist
(:mod:`taskloom.models.dagrun`, :mod:`taskloom.models.taskinstance`, the metastore secrets
backend, :class:`~taskloom.models.variable.Variable`) and keeps the few queries core has no
function for here, so they move into core's store as one module.

The webserver's own tables (users, sessions, API tokens) are created by
:func:`ensure_schema` with ``CREATE TABLE IF NOT EXISTS``: they never touch core's schema
version, and they become a numbered core migration once the store has one per dialect.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from taskloom import db
from taskloom.models import dagrun as dagrun_model
from taskloom.models import taskinstance as ti_model
from taskloom.models.dagrun import DagRun
from taskloom.models.taskinstance import TaskInstance
from taskloom.utils.dates import utcnow

#: The webserver's own tables.  Token and session ids are stored as SHA-256 digests only,
#: so a copy of the DB does not log anyone in.
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS web_user (
        username      TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL,
        created_at    TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS web_session (
        id_hash    TEXT PRIMARY KEY,
        username   TEXT NOT NULL REFERENCES web_user (username) ON DELETE CASCADE,
        csrf_token TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS web_api_token (
        token_hash TEXT PRIMARY KEY,
        username   TEXT NOT NULL REFERENCES web_user (username) ON DELETE CASCADE,
        created_at TEXT NOT NULL
    )""",
)

#: Task states a run still has work for.
_UNFINISHED = ("scheduled", "queued", "running", "up_for_retry", "up_for_reschedule")


def connect() -> sqlite3.Connection:
    """Open the metadata DB (created and migrated by core on first use)."""
    return db.connect()


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the webserver's tables if they do not exist yet."""
    with db.transaction(conn):
        for statement in _SCHEMA:
            conn.execute(statement)


def ping(conn: sqlite3.Connection) -> None:
    """Run a trivial query: raises if the store cannot be read."""
    conn.execute("SELECT 1").fetchone()


# --- users, sessions, tokens -------------------------------------------------------------


@dataclass(frozen=True)
class UserRow:
    """One row of ``web_user``."""

    username: str
    password_hash: str
    role: str
    created_at: str


def insert_user(conn: sqlite3.Connection, username: str, password_hash: str, role: str) -> bool:
    """Add a user; return ``False`` if the name is taken."""
    with db.transaction(conn):
        cursor = conn.execute(
            "INSERT OR IGNORE INTO web_user(username, password_hash, role, created_at) "
            "VALUES (?, ?, ?, ?)",
            (username, password_hash, role, utcnow().isoformat()),
        )
        return cursor.rowcount > 0


def get_user(conn: sqlite3.Connection, username: str) -> UserRow | None:
    row = conn.execute(
        "SELECT username, password_hash, role, created_at FROM web_user WHERE username = ?",
        (username,),
    ).fetchone()
    return UserRow(*row) if row is not None else None


def list_users(conn: sqlite3.Connection) -> list[UserRow]:
    rows = conn.execute(
        "SELECT username, password_hash, role, created_at FROM web_user ORDER BY username"
    ).fetchall()
    return [UserRow(*row) for row in rows]


def update_password_hash(conn: sqlite3.Connection, username: str, password_hash: str) -> None:
    """Store a re-hashed password (argon2 parameters raised since it was set)."""
    with db.transaction(conn):
        conn.execute(
            "UPDATE web_user SET password_hash = ? WHERE username = ?", (password_hash, username)
        )


def delete_user(conn: sqlite3.Connection, username: str) -> bool:
    """Delete a user with their sessions and tokens; return whether one existed."""
    with db.transaction(conn):
        conn.execute("DELETE FROM web_session WHERE username = ?", (username,))
        conn.execute("DELETE FROM web_api_token WHERE username = ?", (username,))
        return conn.execute("DELETE FROM web_user WHERE username = ?", (username,)).rowcount > 0


def insert_session(
    conn: sqlite3.Connection, id_hash: str, username: str, csrf_token: str, expires_at: datetime
) -> None:
    with db.transaction(conn):
        conn.execute("DELETE FROM web_session WHERE expires_at < ?", (utcnow().isoformat(),))
        conn.execute(
            "INSERT INTO web_session(id_hash, username, csrf_token, expires_at) VALUES (?, ?, ?, ?)",
            (id_hash, username, csrf_token, expires_at.isoformat()),
        )


def session_user(conn: sqlite3.Connection, id_hash: str) -> tuple[UserRow, str] | None:
    """The user of a live session and its CSRF token, or ``None``."""
    row = conn.execute(
        "SELECT u.username, u.password_hash, u.role, u.created_at, s.csrf_token "
        "FROM web_session s JOIN web_user u ON u.username = s.username "
        "WHERE s.id_hash = ? AND s.expires_at > ?",
        (id_hash, utcnow().isoformat()),
    ).fetchone()
    return (UserRow(*row[:4]), str(row[4])) if row is not None else None


def delete_session(conn: sqlite3.Connection, id_hash: str) -> None:
    with db.transaction(conn):
        conn.execute("DELETE FROM web_session WHERE id_hash = ?", (id_hash,))


def insert_token(conn: sqlite3.Connection, token_hash: str, username: str) -> None:
    with db.transaction(conn):
        conn.execute(
            "INSERT INTO web_api_token(token_hash, username, created_at) VALUES (?, ?, ?)",
            (token_hash, username, utcnow().isoformat()),
        )


def token_user(conn: sqlite3.Connection, token_hash: str) -> UserRow | None:
    row = conn.execute(
        "SELECT u.username, u.password_hash, u.role, u.created_at FROM web_api_token t "
        "JOIN web_user u ON u.username = t.username WHERE t.token_hash = ?",
        (token_hash,),
    ).fetchone()
    return UserRow(*row) if row is not None else None


# --- DAGs --------------------------------------------------------------------------------


def paused_states(conn: sqlite3.Connection) -> dict[str, bool]:
    """``dag_id -> is_paused`` for every DAG the scheduler (or a CLI command) has recorded."""
    return {row[0]: bool(row[1]) for row in conn.execute("SELECT dag_id, is_paused FROM dag")}


def set_paused(conn: sqlite3.Connection, dag_id: str, fileloc: str | None, paused: bool) -> None:
    """Pause or unpause a DAG, recording it first if the scheduler has not yet."""
    with db.transaction(conn):
        conn.execute(
            "INSERT INTO dag(dag_id, fileloc, is_paused, last_parsed) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(dag_id) DO UPDATE SET is_paused = excluded.is_paused",
            (dag_id, fileloc, int(paused), utcnow().isoformat()),
        )


def recent_runs(
    conn: sqlite3.Connection, dag_ids: Sequence[str], per_dag: int
) -> dict[str, list[DagRun]]:
    """The ``per_dag`` newest runs of each DAG, newest first (one query for the page)."""
    found: dict[str, list[DagRun]] = {dag_id: [] for dag_id in dag_ids}
    if not dag_ids:
        return found
    rows = conn.execute(
        "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY dag_id ORDER BY logical_date DESC) "
        f"AS rank FROM dag_run WHERE dag_id IN ({', '.join('?' * len(dag_ids))})) "
        "WHERE rank <= ? ORDER BY dag_id, logical_date DESC",
        (*dag_ids, per_dag),
    ).fetchall()
    for row in rows:
        found[row["dag_id"]].append(DagRun.from_row(row))
    return found


# --- DAG runs ----------------------------------------------------------------------------


def count_runs(conn: sqlite3.Connection, dag_id: str, states: Sequence[str] = ()) -> int:
    sql, args = _run_filter(dag_id, states)
    return int(conn.execute(f"SELECT count(*) FROM dag_run WHERE {sql}", args).fetchone()[0])


def list_runs(
    conn: sqlite3.Connection, dag_id: str, *, limit: int, offset: int, states: Sequence[str] = ()
) -> list[DagRun]:
    """Runs of one DAG, newest logical date first."""
    sql, args = _run_filter(dag_id, states)
    rows = conn.execute(
        f"SELECT * FROM dag_run WHERE {sql} ORDER BY logical_date DESC LIMIT ? OFFSET ?",
        (*args, limit, offset),
    ).fetchall()
    return [DagRun.from_row(row) for row in rows]


def _run_filter(dag_id: str, states: Sequence[str]) -> tuple[str, list[Any]]:
    sql, args = "dag_id = ?", [dag_id]
    if states:
        sql += f" AND state IN ({', '.join('?' * len(states))})"
        args.extend(states)
    return sql, args


def get_run(conn: sqlite3.Connection, dag_id: str, run_id: str) -> DagRun:
    """One run; raises core's ``DagRunNotFoundError``."""
    return dagrun_model.get(conn, dag_id, run_id)


def mark_run(conn: sqlite3.Connection, run: DagRun, state: str) -> int:
    """Set a run's final state, and the state of its unfinished tasks, as Airflow does:
    success marks them success; failed marks running ones failed and the rest skipped.
    Return how many task instances changed."""
    now = utcnow().isoformat()
    with db.transaction(conn):
        if state == "success":
            changed = conn.execute(
                "UPDATE task_instance SET state = 'success', end_date = ?, next_try_at = NULL "
                f"WHERE dag_id = ? AND run_id = ? AND (state IS NULL OR state IN ({_in(_UNFINISHED)}))",
                (now, run.dag_id, run.run_id, *_UNFINISHED),
            ).rowcount
        else:
            changed = conn.execute(
                "UPDATE task_instance SET state = 'failed', end_date = ?, next_try_at = NULL "
                "WHERE dag_id = ? AND run_id = ? AND state IN ('running', 'queued')",
                (now, run.dag_id, run.run_id),
            ).rowcount
            changed += conn.execute(
                "UPDATE task_instance SET state = 'skipped', end_date = ?, next_try_at = NULL "
                f"WHERE dag_id = ? AND run_id = ? AND (state IS NULL OR state IN ({_in(_UNFINISHED)}))",
                (now, run.dag_id, run.run_id, *_UNFINISHED),
            ).rowcount
        dagrun_model.set_state(conn, run, state)
        # The webserver does not drive the run: no process owns it now.
        conn.execute(
            "UPDATE dag_run SET owner = NULL WHERE dag_id = ? AND run_id = ?",
            (run.dag_id, run.run_id),
        )
    return changed


def _in(values: Sequence[str]) -> str:
    return ", ".join("?" * len(values))


# --- task instances ----------------------------------------------------------------------


def task_instances(conn: sqlite3.Connection, dag_id: str, run_id: str) -> list[TaskInstance]:
    return ti_model.for_run(conn, dag_id, run_id)


def task_instance(
    conn: sqlite3.Connection, dag_id: str, run_id: str, task_id: str
) -> TaskInstance | None:
    return ti_model.get(conn, dag_id, run_id, task_id)


def grid_states(
    conn: sqlite3.Connection, dag_id: str, run_ids: Sequence[str]
) -> dict[tuple[str, str], str | None]:
    """``(run_id, task_id) -> state`` for the given runs of one DAG."""
    if not run_ids:
        return {}
    rows = conn.execute(
        "SELECT run_id, task_id, state FROM task_instance WHERE dag_id = ? "
        f"AND run_id IN ({_in(run_ids)})",
        (dag_id, *run_ids),
    ).fetchall()
    return {(row[0], row[1]): row[2] for row in rows}


def clear_task_instances(
    conn: sqlite3.Connection, dag_id: str, run_id: str, task_ids: Iterable[str]
) -> int:
    """Reset task instances so they run again and queue their run for the scheduler, as
    ``taskloom tasks clear`` does; return how many were reset."""
    ids = sorted(set(task_ids))
    with db.transaction(conn):
        changed = conn.execute(
            "UPDATE task_instance SET state = NULL, next_try_at = NULL, end_date = NULL "
            f"WHERE dag_id = ? AND run_id = ? AND task_id IN ({_in(ids)})",
            (dag_id, run_id, *ids),
        ).rowcount
        if changed:
            conn.execute(
                "UPDATE dag_run SET state = 'queued', end_date = NULL, owner = NULL "
                "WHERE dag_id = ? AND run_id = ? AND state IN ('success', 'failed')",
                (dag_id, run_id),
            )
    return int(changed)


def mark_task_instances(
    conn: sqlite3.Connection, dag_id: str, run_id: str, task_ids: Iterable[str], state: str
) -> int:
    """Set task instances to ``success`` or ``failed``; a finished run goes back to queued so
    the scheduler settles its tasks downstream and its state again."""
    ids = sorted(set(task_ids))
    now = utcnow().isoformat()
    with db.transaction(conn):
        changed = conn.execute(
            "UPDATE task_instance SET state = ?, end_date = ?, next_try_at = NULL "
            f"WHERE dag_id = ? AND run_id = ? AND task_id IN ({_in(ids)}) "
            "AND (state IS NULL OR state != 'running')",
            (state, now, dag_id, run_id, *ids),
        ).rowcount
        if changed:
            conn.execute(
                "UPDATE dag_run SET state = 'queued', end_date = NULL, owner = NULL "
                "WHERE dag_id = ? AND run_id = ? AND state IN ('success', 'failed')",
                (dag_id, run_id),
            )
    return int(changed)


def xcoms(conn: sqlite3.Connection, dag_id: str, run_id: str, task_id: str) -> list[dict[str, Any]]:
    """The XComs one task instance pushed, by key."""
    rows = conn.execute(
        "SELECT key, value, timestamp FROM xcom WHERE dag_id = ? AND run_id = ? AND task_id = ? "
        "ORDER BY key",
        (dag_id, run_id, task_id),
    ).fetchall()
    return [
        {
            "key": row[0],
            "value": json.loads(row[1]) if row[1] is not None else None,
            "timestamp": row[2],
        }
        for row in rows
    ]
