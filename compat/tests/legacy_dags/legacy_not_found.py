"""1.x: TaskloomNotFoundException catches a connection that is not defined."""

from datetime import datetime

from taskloom.exceptions import TaskloomNotFoundException  # warns
from taskloom.hooks.base_hook import BaseHook  # warns
from taskloom.models import DAG  # warns
from taskloom.operators.python_operator import PythonOperator  # warns


def lookup():
    try:
        BaseHook.get_connection("no_such_connection")
    except TaskloomNotFoundException as exc:
        return type(exc).__name__
    raise AssertionError("the connection should not exist")


dag = DAG("legacy_not_found", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
PythonOperator(task_id="lookup", python_callable=lookup, dag=dag)
