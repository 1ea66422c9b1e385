"""The ``job`` table: processes that drive DAG runs (schedulers, backfills, ``dags test``)
and their heartbeats."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import NamedTuple

from taskloom.store.connection import Connection
from taskloom.utils.dates import utcnow


class JobRow(NamedTuple):
    """What decides whether a job is alive."""

    id: int
    state: str
    hostname: str
    pid: int
    latest_heartbeat: str


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


def get(conn: Connection, job_id: int | None) -> JobRow | None:
    """The job ``job_id`` (``None`` if there is none)."""
    if job_id is None:
        return None
    row = conn.execute(
        "SELECT id, state, hostname, pid, latest_heartbeat FROM job WHERE id = ?", (job_id,)
    ).fetchone()
    return JobRow(*row) if row is not None else None
