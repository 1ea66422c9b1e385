"""The ``job`` table: processes that drive DAG runs (schedulers, backfills, ``dags test``)
and their heartbeats."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from taskloom.store.connection import Connection
from taskloom.utils.dates import utcnow


def start(conn: Connection, job_type: str) -> int:
    """Register this process as a running job; return its id."""
    now = utcnow().isoformat()
    row = conn.execute(
        "INSERT INTO job(job_type, hostname, pid, state, start_date, latest_heartbeat) "
        "VALUES (?, ?, ?, 'running', ?, ?) RETURNING id",
        (job_type, socket.gethostname(), os.getpid(), now, now),
    ).fetchone()
    return int(row[0])


def heartbeat(conn: Connection, job_id: int) -> None:
    """Record that job ``job_id`` is alive now."""
    conn.execute("UPDATE job SET latest_heartbeat = ? WHERE id = ?", (utcnow().isoformat(), job_id))


def end(conn: Connection, job_id: int, state: str = "success") -> None:
    """Record that job ``job_id`` ended (its runs are free to be adopted at once)."""
    conn.execute(
        "UPDATE job SET state = ?, end_date = ? WHERE id = ?",
        (state, utcnow().isoformat(), job_id),
    )


def cutoff(threshold_seconds: float) -> str:
    """The oldest heartbeat a live job can have, as stored."""
    return (utcnow() - timedelta(seconds=threshold_seconds)).isoformat()


def live_jobs(conn: Connection, job_type: str, threshold_seconds: float) -> list[dict[str, object]]:
    """Jobs of ``job_type`` that are running and heartbeat within ``threshold_seconds``."""
    rows = conn.execute(
        "SELECT id, hostname, pid, start_date, latest_heartbeat FROM job "
        "WHERE job_type = ? AND state = 'running' AND latest_heartbeat >= ? ORDER BY id",
        (job_type, cutoff(threshold_seconds)),
    ).fetchall()
    return [dict(zip(row.keys(), row, strict=True)) for row in rows]


def is_alive(conn: Connection, job_id: int | None, threshold_seconds: float) -> bool:
    """Whether job ``job_id`` runs and heartbeats within ``threshold_seconds``."""
    if job_id is None:
        return False
    row = conn.execute(
        "SELECT 1 FROM job WHERE id = ? AND state = 'running' AND latest_heartbeat >= ?",
        (job_id, cutoff(threshold_seconds)),
    ).fetchone()
    return row is not None
