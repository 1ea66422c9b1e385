"""Incremental state of ``ReadStreamOperator`` in the metadata DB, per (DAG, task, stream).

Kept in core's generic per-task state (:mod:`taskloom.store.task_state`) under the key
``stream:<name>``; this distribution sends no SQL of its own.  A state is written only
after a read finished and its last page was committed, so a failed run never moves it.
"""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from typing import Any


def _key(stream: str) -> str:
    return f"stream:{stream}"


def get(dag_id: str, task_id: str, stream: str) -> dict[str, Any] | None:
    """The saved state, or ``None`` before the first successful read."""
    from taskloom import store
    from taskloom.store import task_state

    conn = store.connect()
    try:
        text = task_state.get(conn, dag_id, task_id, _key(stream))
    finally:
        conn.close()
    return json.loads(text) if text is not None else None


def put(dag_id: str, task_id: str, stream: str, state: dict[str, Any]) -> None:
    """Save ``state`` (replacing the older one)."""
    from taskloom import store
    from taskloom.store import task_state

    conn = store.connect()
    try:
        task_state.put(
            conn, dag_id, task_id, _key(stream), json.dumps(state), datetime.now(UTC).isoformat()
        )
    finally:
        conn.close()
