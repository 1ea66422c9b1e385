"""Scheduled DAGs for the scheduler, backfill and crash-recovery tests."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from taskloom.models.dag import DAG
from taskloom.models.variable import Variable
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
    LatestOnlyOperator(task_id="latest_only") >> EmptyOperator(task_id="notify")
    PythonOperator(task_id="work", python_callable=record) >> EmptyOperator(task_id="done")


with DAG("latest_daily", start_date=datetime(2024, 1, 1), schedule="@daily") as latest_daily:
    LatestOnlyOperator(task_id="latest_only") >> EmptyOperator(task_id="notify")


with DAG(
    "paused_daily", start_date=datetime(2024, 1, 1), schedule="@daily", is_paused_upon_creation=True
) as paused:
    PythonOperator(task_id="work", python_callable=record)


def needs_permission() -> None:
    if Variable.get("allow", default_var=None) is None:
        raise RuntimeError("not allowed yet: set the variable 'allow'")


with DAG(
    "flaky_daily",
    start_date=datetime(2024, 1, 1),
    end_date=datetime(2024, 1, 2),
    schedule="@daily",
    catchup=True,
) as flaky_daily:
    PythonOperator(task_id="guarded", python_callable=needs_permission)


def fail_on_new_year(ds: str) -> None:
    if ds == "2024-01-01":
        raise RuntimeError("the first day always fails")


with DAG(
    "past_dependent",
    start_date=datetime(2024, 1, 1),
    end_date=datetime(2024, 1, 3),
    schedule="@daily",
    catchup=True,
    max_active_runs=1,
) as past_dependent:
    PythonOperator(task_id="daily", python_callable=fail_on_new_year, depends_on_past=True)
