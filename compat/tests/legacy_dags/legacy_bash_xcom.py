"""1.x: the last line of a Bash command is its XCom (xcom_push=True); pulled by id and with key=None."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.operators.python_operator import PythonOperator  # warns

dag = DAG("legacy_bash_xcom", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns

count = BashOperator(  # warns
    task_id="count",
    bash_command="echo counting; echo 42",
    xcom_push=True,
    dag=dag,
)


def check(**context):
    ti = context["ti"]
    assert ti.xcom_pull(task_ids="count") == "42"
    assert ti.xcom_pull(task_ids="count", key=None) == "42"
    assert ti.xcom_pull(task_ids=["count"]) == ["42"]


verify = PythonOperator(  # warns
    task_id="verify", python_callable=check, provide_context=True, dag=dag
)
count >> verify
