"""Scheduled DAGs for the scheduler and backfill tests."""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

from taskloom.models.baseoperator import chain
from taskloom.models.dag import DAG
from taskloom.operators.empty import EmptyOperator
from taskloom.operators.latest_only import LatestOnlyOperator
from taskloom.operators.python import PythonOperator


def record(ds: str, task) -> None:  # type: ignore[no-untyped-def]
    """Append one line per execution, so tests can tell whether a task ran twice."""
    with (Path(os.environ["TASKLOOM_HOME"]) / "executions.log").open("a") as fh:
        fh.write(f"{task.dag_id} {ds} {task.task_id}\n")


with DAG(
    "daily_catchup",
    start_date=datetime(2024, 1, 1),
    end_date=datetime(2024, 1, 4),
    schedule="@daily",
    catchup=True,
    max_active_runs=2,
) as daily_catchup:
    latest = LatestOnlyOperator(task_id="latest_only")
    work = PythonOperator(task_id="work", python_callable=record)
    latest >> EmptyOperator(task_id="notify")
    work >> EmptyOperator(task_id="done")


with DAG("no_catchup", start_date=datetime(2024, 1, 1), schedule="@daily") as no_catchup:
    PythonOperator(task_id="work", python_callable=record)


def slow_record(ds: str, task) -> None:  # type: ignore[no-untyped-def]
    record(ds, task)
    time.sleep(0.4)


with DAG(
    "slow_chain", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=4
) as slow_chain:
    chain(
        *[PythonOperator(task_id=f"step_{i:02d}", python_callable=slow_record) for i in range(12)]
    )
