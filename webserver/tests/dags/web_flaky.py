"""A DAG whose task fails on its first try and succeeds once cleared (the browser test's)."""

from datetime import datetime

from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator


def flaky(ti) -> str:
    print(f"try {ti.try_number} starting")
    if ti.try_number == 1:
        raise RuntimeError("first try fails on purpose")
    print("second try works")
    return "ok"


with DAG("web_flaky", schedule=None, start_date=datetime(2026, 1, 1), tags=["web"]) as dag:
    PythonOperator(task_id="flaky", python_callable=flaky)
