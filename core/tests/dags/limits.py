"""DAGs for the limit tests: each task records its start and end times, so the tests can
count how many ran at once from the tasks' own timestamps."""

from __future__ import annotations

import os
import time
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator


def timed(ti) -> None:  # type: ignore[no-untyped-def]
    start = time.time()
    time.sleep(0.4)
    with (Path(os.environ["TASKLOOM_HOME"]) / f"{ti.dag_id}.times").open("a") as fh:
        fh.write(f"{start} {time.time()}\n")


def note(name: str):  # type: ignore[no-untyped-def]
    def write(context) -> None:  # type: ignore[no-untyped-def]
        reason = (
            context.get("reason")
            or f"{type(context['exception']).__name__}: {context['exception']}"
        )
        (Path(os.environ["TASKLOOM_HOME"]) / f"{name}.txt").write_text(str(reason))

    return write


def hang() -> None:
    time.sleep(120)


with DAG("pooled", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=64) as pooled:
    for i in range(30):
        PythonOperator(task_id=f"p{i:02d}", python_callable=timed, pool="three")

with DAG("capped", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=3) as capped:
    for i in range(30):
        PythonOperator(task_id=f"c{i:02d}", python_callable=timed)

with DAG("no_pool", start_date=datetime(2024, 1, 1), schedule=None) as no_pool:
    PythonOperator(task_id="orphan", python_callable=timed, pool="missing_pool")

with DAG(
    "timed_out",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    dagrun_timeout=timedelta(seconds=2),
    on_failure_callback=note("dag_failure"),
) as timed_out:
    PythonOperator(
        task_id="hang", python_callable=hang, on_failure_callback=note("task_failure")
    ) >> PythonOperator(task_id="after", python_callable=timed)
