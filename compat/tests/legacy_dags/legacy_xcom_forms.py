"""1.x: XCom in its 1.10 forms: explicit keys, key=None, a list of task ids, dag_id."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.models import XCom  # warns
from taskloom.operators.python_operator import PythonOperator  # warns


def push_a(**context):
    context["ti"].xcom_push(key="rows", value=3)
    return "a"


def push_b():
    return "b"


def pull(**context):
    ti = context["ti"]
    assert ti.xcom_pull(task_ids=["push_a", "push_b"]) == ["a", "b"]
    assert ti.xcom_pull(task_ids="push_a", key="rows") == 3
    assert ti.xcom_pull(task_ids="push_b", key=None) == "b"
    assert ti.xcom_pull(task_ids="push_a", dag_id="legacy_xcom_forms") == "a"
    assert ti.xcom_pull(task_ids="push_a", include_prior_dates=True) == "a"
    assert XCom.get_one(dag_id=ti.dag_id, task_id="push_a", key="rows", run_id=ti.run_id) == 3


dag = DAG("legacy_xcom_forms", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
a = PythonOperator(task_id="push_a", python_callable=push_a, provide_context=True, dag=dag)  # warns
b = PythonOperator(task_id="push_b", python_callable=push_b, dag=dag)
c = PythonOperator(task_id="pull", python_callable=pull, provide_context=True, dag=dag)  # warns
[a, b] >> c
