"""200 tasks across two queues, for Celery workers on several machines (the demo's
``--distributed`` mode): ``start`` (default queue) -> 99 tasks on ``alpha`` and 99 on
``beta`` -> ``end``.  Each task returns the home folder and host of the worker that ran it.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any

from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator


def where(**context: Any) -> dict[str, str]:
    """Where this try ran: the worker's ``TASKLOOM_HOME``, its host and the task's queue."""
    return {
        "home": os.environ.get("TASKLOOM_HOME", ""),
        "host": socket.gethostname(),
        "queue": context["task"].queue,
    }


with DAG(
    "example_celery_queues",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    max_active_tasks=64,
) as dag:
    start = PythonOperator(task_id="start", python_callable=where)
    end = PythonOperator(task_id="end", python_callable=where)
    for queue in ("alpha", "beta"):
        for i in range(99):
            (
                start
                >> PythonOperator(task_id=f"{queue}_{i}", python_callable=where, queue=queue)
                >> end
            )
