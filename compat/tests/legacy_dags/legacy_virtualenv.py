"""1.x: PythonVirtualenvOperator runs a function in a fresh environment (no requirements)."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.python_operator import PythonOperator  # warns
from taskloom.operators.python_operator import PythonVirtualenvOperator  # warns


def isolated(a, b):
    import sys

    return {"sum": a + b, "venv": sys.prefix != sys.base_prefix}


def check(ti):
    assert ti.xcom_pull(task_ids="isolated") == {"sum": 5, "venv": True}


dag = DAG("legacy_virtualenv", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
run = PythonVirtualenvOperator(
    task_id="isolated",
    python_callable=isolated,
    op_args=[2, 3],
    system_site_packages=False,
    dag=dag,
)
run >> PythonOperator(task_id="check", python_callable=check, dag=dag)
