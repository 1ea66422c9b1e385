"""XCom: small values tasks pass to each other, stored as JSON in the metadata DB."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from typing import Any

from taskloom import store
from taskloom.store import dag_runs
from taskloom.store import xcoms

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
    xcoms.put(
        conn,
        dag_id,
        run_id,
        task_id,
        key,
        serialize(value, task_id=task_id, key=key),
        datetime.now(UTC).isoformat(),
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
    text = xcoms.latest(conn, dag_id, run_id, task_id, key, include_prior_dates=include_prior_dates)
    return None if text is None else json.loads(text)


def clear(conn: store.Connection, dag_id: str, run_id: str, task_id: str) -> None:
    """Delete every XCom of one task instance (before it runs again)."""
    xcoms.delete_for_task(conn, dag_id, run_id, task_id)


def list_for_run(conn: store.Connection, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    """Return every XCom of one run as ``{"task_id", "key", "value"}`` rows."""
    rows = xcoms.for_run(conn, dag_id, run_id)
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

    rows = dag_runs.find(conn, dag_id, logical_date=to_utc(when).isoformat())
    if not rows:
        from taskloom.exceptions import DagRunNotFoundError

        raise DagRunNotFoundError(
            f"DAG {dag_id!r} has no run at {to_utc(when).isoformat()}; check the date or pass run_id="
        )
    return str(rows[0]["run_id"])


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
