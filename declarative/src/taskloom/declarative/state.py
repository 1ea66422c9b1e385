"""Incremental state of ``ReadStreamOperator`` in the metadata DB, per (DAG, task, stream).

All SQL of this distribution lives here, on core's metadata connection
(:func:`taskloom.store.connect`); the table is created on first use.  A state is written
only after a read finished and its last page was committed, so a failed run never moves it.
"""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from typing import Any

_DDL = (
    "CREATE TABLE IF NOT EXISTS declarative_state ("
    " dag_id TEXT NOT NULL, task_id TEXT NOT NULL, stream TEXT NOT NULL,"
    " state TEXT NOT NULL, updated_at TEXT NOT NULL,"
    " PRIMARY KEY (dag_id, task_id, stream))"
)


def _connect() -> Any:
    from taskloom import store

    conn = store.connect()
    conn.execute(_DDL)
    return conn


def get(dag_id: str, task_id: str, stream: str) -> dict[str, Any] | None:
    """The saved state, or ``None`` before the first successful read."""
    conn = _connect()
    try:
        row = conn.execute(
            "SELECT state FROM declarative_state WHERE dag_id = ? AND task_id = ? AND stream = ?",
            (dag_id, task_id, stream),
        ).fetchone()
    finally:
        conn.close()
    return json.loads(row[0]) if row else None


def put(dag_id: str, task_id: str, stream: str, state: dict[str, Any]) -> None:
    """Save ``state`` (replacing the older one)."""
    conn = _connect()
    try:
        with conn.transaction():
            conn.execute(
                "INSERT OR REPLACE INTO declarative_state(dag_id, task_id, stream, state, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (dag_id, task_id, stream, json.dumps(state), datetime.now(UTC).isoformat()),
            )
    finally:
        conn.close()
