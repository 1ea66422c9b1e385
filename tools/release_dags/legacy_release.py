"""Release rehearsal: a DAG written for taskloom 1.x, run through taskloom-compat."""

from datetime import datetime

from taskloom.models import DAG
from taskloom.operators.dummy_operator import DummyOperator
from taskloom.operators.python_operator import PythonOperator


def greet(**context):
    print("hello from", context["dag"].dag_id, context["ds"])


dag = DAG("legacy_release", schedule_interval=None, start_date=datetime(2026, 1, 1))

start = DummyOperator(task_id="start", dag=dag)
hello = PythonOperator(task_id="hello", python_callable=greet, provide_context=True, dag=dag)
start.set_downstream([hello])
