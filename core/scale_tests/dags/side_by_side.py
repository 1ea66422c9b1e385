"""A 20-task DAG whose every task appends (run_id, task_id, try_number) to a side table in
PostgreSQL (``SIDE_URL``): the multi-scheduler tests count the rows to prove each task
instance ran exactly once."""

from __future__ import annotations

import os
from datetime import UTC
from datetime import datetime

from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator

_conn = {}


def _side():
    import psycopg

    pid = os.getpid()
    if pid not in _conn:  # one connection per worker process, kept across tasks
        _conn.clear()
        _conn[pid] = psycopg.connect(os.environ["SIDE_URL"], autocommit=True)
    return _conn[pid]


def record(ti, run_id):
    _side().execute(
        "INSERT INTO side(run_id, task_id, try_number) VALUES (%s, %s, %s)",
        (run_id, ti.task_id, ti.try_number),
    )


with DAG(
    "side_by_side",
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    max_active_runs=64,
    max_active_tasks=64,
    default_args={"retries": 2, "retry_delay": 0},
) as dag:
    first = PythonOperator(task_id="t00", python_callable=record)
    last = PythonOperator(task_id="t19", python_callable=record)
    for i in range(1, 19):
        first >> PythonOperator(task_id=f"t{i:02d}", python_callable=record) >> last
