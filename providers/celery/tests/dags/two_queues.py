"""200 tasks: start -> 99 tasks on queue alpha and 99 on queue beta -> end (default queue)."""

from __future__ import annotations

from datetime import datetime

from common import record

from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator

with DAG("two_queues", start_date=datetime(2026, 1, 1), schedule=None) as dag:
    start = PythonOperator(task_id="start", python_callable=record)
    end = PythonOperator(task_id="end", python_callable=record)
    for queue in ("alpha", "beta"):
        for i in range(99):
            (
                start
                >> PythonOperator(task_id=f"{queue}_{i}", python_callable=record, queue=queue)
                >> end
            )
