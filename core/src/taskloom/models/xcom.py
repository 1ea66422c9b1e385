"""XCom: small values tasks pass to each other, stored as JSON in the metadata DB."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from typing import Any

from taskloom import store

#: The key under which a task's return value is stored.
XCOM_RETURN_KEY = "return_value"


def serialize(value: Any, *, task_id: str, key: str) -> str:
    """Encode an XCom value as JSON.

    :raises TypeError: naming the task and key when the value is not JSON-serializable.
    """
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"XCom {key!r} of task {task_id!r} is not JSON-serializable ({exc}); "
            "return or push plain data (str, int, float, bool, None, list, dict)."
        ) from None


def push(
    conn: store.Connection, dag_id: str, run_id: str, task_id: str, key: str, value: Any
) -> None:
    """Store ``value`` under ``key`` for one task instance (replacing an older value).

    The caller owns the transaction.
    """
    conn.execute(
        "INSERT OR REPLACE INTO xcom(dag_id, run_id, task_id, key, value, timestamp) VALUES (?, ?, ?, ?, ?, ?)",
        (
            dag_id,
            run_id,
            task_id,
            key,
            serialize(value, task_id=task_id, key=key),
            datetime.now(UTC).isoformat(),
        ),
    )


def pull(
    conn: store.Connection,
    dag_id: str,
    run_id: str,
    task_id: str,
    key: str | None = XCOM_RETURN_KEY,
    *,
    include_prior_dates: bool = False,
) -> Any:
    """Return the value ``task_id`` stored under ``key`` in this run, or ``None``.

    ``key=None`` applies no key filter: the value pushed last under any key (Airflow 1.10).
    With ``include_prior_dates``, the newest value from this run or an earlier run (by
    logical date) of the same DAG is returned.
    """
    key_filter = "" if key is None else " AND x.key = ?"
    key_args = () if key is None else (key,)
    if include_prior_dates:
        row = conn.execute(
            "SELECT x.value FROM xcom x JOIN dag_run r ON r.dag_id = x.dag_id AND r.run_id = x.run_id "
            f"WHERE x.dag_id = ? AND x.task_id = ?{key_filter} AND r.logical_date <= "
            "(SELECT logical_date FROM dag_run WHERE dag_id = ? AND run_id = ?) "
            "ORDER BY r.logical_date DESC, x.timestamp DESC LIMIT 1",
            (dag_id, task_id, *key_args, dag_id, run_id),
        ).fetchone()
    else:
        row = conn.execute(
            f"SELECT x.value FROM xcom x WHERE x.dag_id = ? AND x.run_id = ? AND x.task_id = ?{key_filter} "
            "ORDER BY x.timestamp DESC LIMIT 1",
            (dag_id, run_id, task_id, *key_args),
        ).fetchone()
    return None if row is None or row[0] is None else json.loads(row[0])


def clear(conn: store.Connection, dag_id: str, run_id: str, task_id: str) -> None:
    """Delete every XCom of one task instance (before it runs again)."""
    conn.execute(
        "DELETE FROM xcom WHERE dag_id = ? AND run_id = ? AND task_id = ?",
        (dag_id, run_id, task_id),
    )


def list_for_run(conn: store.Connection, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    """Return every XCom of one run as ``{"task_id", "key", "value"}`` rows."""
    rows = conn.execute(
        "SELECT task_id, key, value FROM xcom WHERE dag_id = ? AND run_id = ? ORDER BY task_id, key",
        (dag_id, run_id),
    ).fetchall()
    return [
        {"task_id": r[0], "key": r[1], "value": json.loads(r[2]) if r[2] is not None else None}
        for r in rows
    ]


def _run_id(conn: store.Connection, dag_id: str, run_id: str | None, when: datetime | None) -> str:
    if run_id is not None:
        return run_id
    if when is None:
        raise TypeError("pass run_id= or execution_date= to name the DAG run")
    from taskloom.utils.dates import to_utc

    row = conn.execute(
        "SELECT run_id FROM dag_run WHERE dag_id = ? AND logical_date = ?",
        (dag_id, to_utc(when).isoformat()),
    ).fetchone()
    if row is None:
        from taskloom.exceptions import DagRunNotFoundError

        raise DagRunNotFoundError(
            f"DAG {dag_id!r} has no run at {to_utc(when).isoformat()}; check the date or pass run_id="
        )
    return str(row[0])


class XCom:
    """XComs read and written outside a running task, with Airflow's ``XCom`` class methods.

    In a task, prefer ``ti.xcom_push`` / ``ti.xcom_pull``.  A run is named by ``run_id`` or
    by its logical date (``execution_date``, the 1.x spelling).
    """

    @classmethod
    def get_one(
        cls,
        *,
        dag_id: str,
        task_id: str,
        key: str | None = XCOM_RETURN_KEY,
        execution_date: datetime | None = None,
        run_id: str | None = None,
        include_prior_dates: bool = False,
    ) -> Any:
        """The value ``task_id`` pushed under ``key`` (``None``: any key) in that run, or ``None``."""
        from contextlib import closing

        from taskloom import store

        with closing(store.connect()) as conn:
            run = _run_id(conn, dag_id, run_id, execution_date)
            return pull(conn, dag_id, run, task_id, key, include_prior_dates=include_prior_dates)

    @classmethod
    def set(
        cls,
        key: str,
        value: Any,
        *,
        dag_id: str,
        task_id: str,
        execution_date: datetime | None = None,
        run_id: str | None = None,
    ) -> None:
        """Store ``value`` (JSON-serializable) as ``task_id``'s XCom ``key`` in that run."""
        from contextlib import closing

        from taskloom import store

        with closing(store.connect()) as conn, conn.transaction():
            run = _run_id(conn, dag_id, run_id, execution_date)
            push(conn, dag_id, run, task_id, key, value)
