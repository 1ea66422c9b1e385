"""A slow chain for the crash-recovery tests: each step records its execution, then sleeps."""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

from taskloom.models.baseoperator import chain
from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator


def slow_record(task) -> None:  # type: ignore[no-untyped-def]
    with (Path(os.environ["TASKLOOM_HOME"]) / "executions.log").open("a") as fh:
        fh.write(f"{task.task_id}\n")
    time.sleep(0.3)


# One retry: a step whose process dies with a killed scheduler is a failed try, retried
# by the scheduler that adopts the run.
with DAG(
    "slow_chain",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    default_args={"retries": 1, "retry_delay": 0},
) as slow_chain:
    chain(
        *[PythonOperator(task_id=f"step_{i:02d}", python_callable=slow_record) for i in range(12)]
    )
