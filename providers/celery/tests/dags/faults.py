"""DAGs the fault tests break: killed workers, a queue nobody serves, a steady load."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from common import hang_on_first_try
from common import on_failure
from common import on_retry
from common import record
from common import record_slowly

from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator

# Two tasks that hang on their first try, on a queue of their own: the test kills what runs them.
with DAG("killed", start_date=datetime(2026, 1, 1), schedule=None) as killed:
    for task_id, retries in (("retried", 1), ("doomed", 0)):
        PythonOperator(
            task_id=task_id,
            python_callable=hang_on_first_try,
            queue="victim",
            retries=retries,
            retry_delay=timedelta(0),
            on_retry_callback=on_retry,
            on_failure_callback=on_failure,
        )

# A task on a queue no worker serves.
with DAG("unserved", start_date=datetime(2026, 1, 1), schedule=None) as unserved:
    PythonOperator(
        task_id="lonely",
        python_callable=record,
        queue="nobody",
        on_failure_callback=on_failure,
    )

# 4 layers of 20 tasks of 0.05 s: long enough to break something in the middle.
with DAG("load", start_date=datetime(2026, 1, 1), schedule=None, max_active_tasks=64) as load:
    previous: list[PythonOperator] = []
    for layer in range(4):
        current = [
            PythonOperator(task_id=f"l{layer}_{i}", python_callable=record_slowly)
            for i in range(20)
        ]
        for upstream in previous:
            upstream >> current
        previous = current
