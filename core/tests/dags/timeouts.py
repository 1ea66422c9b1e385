"""A DAG whose tasks overrun their execution_timeout: one sees SIGALRM, one blocks it (as a
task stuck in C code never sees it), and a task that runs after both."""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator


def _record_failure(context: dict[str, Any]) -> None:
    """Write the failure callback's exception to <TASKLOOM_HOME>/failed-<task_id>.json."""
    path = Path(os.environ["TASKLOOM_HOME"]) / f"failed-{context['ti'].task_id}.json"
    path.write_text(json.dumps({"exception": repr(context.get("exception")), "pid": os.getpid()}))


def sleep_through_the_alarm() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(60)


def sleep() -> None:
    time.sleep(60)


with DAG("timeouts", start_date=datetime(2024, 1, 1), schedule=None) as timeouts:
    stuck = PythonOperator(
        task_id="stuck",
        python_callable=sleep_through_the_alarm,
        execution_timeout=timedelta(seconds=1),
        retries=0,
        on_failure_callback=_record_failure,
    )
    slow = PythonOperator(
        task_id="slow",
        python_callable=sleep,
        execution_timeout=timedelta(seconds=1),
        retries=0,
        on_failure_callback=_record_failure,
    )
    after = PythonOperator(task_id="after", python_callable=lambda: "ran", trigger_rule="all_done")
    [stuck, slow] >> after


with DAG("long_task", start_date=datetime(2024, 1, 1), schedule=None) as long_task:
    PythonOperator(task_id="sleep", python_callable=sleep)
