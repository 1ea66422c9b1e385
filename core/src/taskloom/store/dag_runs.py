"""The ``dag_run`` table: one row per run of a DAG (timestamps as ISO 8601 text)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from taskloom.store.connection import Connection
from taskloom.store.connection import Row


def insert(conn: Connection, values: dict[str, Any]) -> None:
    """Insert one run; ``values`` maps column names to values."""
    columns = list(values)
    conn.execute(
        f"INSERT INTO dag_run({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [values[c] for c in columns],
    )


def delete_at(conn: Connection, dag_id: str, logical_date: str) -> None:
    """Delete the DAG's run at ``logical_date`` (its task instances and XComs cascade)."""
    conn.execute(
        "DELETE FROM dag_run WHERE dag_id = ? AND logical_date = ?", (dag_id, logical_date)
    )


def conflicting(conn: Connection, dag_id: str, run_id: str, logical_date: str) -> str | None:
    """The run id of a run of the DAG with this run id or logical date, or ``None``."""
    row = conn.execute(
        "SELECT run_id FROM dag_run WHERE dag_id = ? AND (run_id = ? OR logical_date = ?)",
        (dag_id, run_id, logical_date),
    ).fetchone()
    return None if row is None else str(row[0])


def get(conn: Connection, dag_id: str, run_id: str) -> Row | None:
    """One run's row, or ``None``."""
    return conn.execute(  # type: ignore[no-any-return]
        "SELECT * FROM dag_run WHERE dag_id = ? AND run_id = ?", (dag_id, run_id)
    ).fetchone()


def find(
    conn: Connection,
    dag_id: str | None = None,
    *,
    states: tuple[str, ...] = (),
    logical_date: str | None = None,
) -> list[Row]:
    """The rows of the runs matching every filter given, oldest logical date first."""
    where, args = [], []
    if dag_id is not None:
        where.append("dag_id = ?")
        args.append(dag_id)
    if states:
        where.append(f"state IN ({', '.join('?' * len(states))})")
        args.extend(states)
    if logical_date is not None:
        where.append("logical_date = ?")
        args.append(logical_date)
    sql = "SELECT * FROM dag_run"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return conn.execute(sql + " ORDER BY logical_date", args).fetchall()


def latest(conn: Connection, dag_id: str, run_types: tuple[str, ...] | None = None) -> Row | None:
    """The row of the DAG's run with the newest logical date (of ``run_types`` if given)."""
    sql, args = "SELECT * FROM dag_run WHERE dag_id = ?", [dag_id]
    if run_types is not None:
        sql += f" AND run_type IN ({', '.join('?' * len(run_types))})"
        args.extend(run_types)
    return conn.execute(sql + " ORDER BY logical_date DESC LIMIT 1", args).fetchone()  # type: ignore[no-any-return]


def state_at(conn: Connection, dag_id: str, logical_date: str) -> tuple[str] | None:
    """``(state,)`` of the DAG's run at ``logical_date``, or ``None`` if there is none."""
    row = conn.execute(
        "SELECT state FROM dag_run WHERE dag_id = ? AND logical_date = ?", (dag_id, logical_date)
    ).fetchone()
    return None if row is None else (row[0],)


def set_state(
    conn: Connection,
    dag_id: str,
    run_id: str,
    state: str,
    *,
    start_date: str | None,
    end_date: str | None,
    job_id: int | None,
) -> None:
    """Record a run's state and its start and end times; a running run is driven by
    ``job_id``, a run in another state keeps the id of the job that drove it last."""
    conn.execute(
        "UPDATE dag_run SET state = ?, start_date = ?, end_date = ?, "
        "job_id = CASE WHEN ? = 'running' THEN ? ELSE job_id END WHERE dag_id = ? AND run_id = ?",
        (state, start_date, end_date, state, job_id, dag_id, run_id),
    )


def requeue_finished(conn: Connection, dag_id: str, run_ids: Iterable[str]) -> None:
    """Put finished runs back to ``queued`` (after some of their tasks were cleared)."""
    conn.executemany(
        "UPDATE dag_run SET state = 'queued', end_date = NULL "
        "WHERE dag_id = ? AND run_id = ? AND state IN ('success', 'failed')",
        [(dag_id, run_id) for run_id in run_ids],
    )
