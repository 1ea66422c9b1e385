"""1.x: PythonOperator with provide_context=True, op_kwargs and templates_dict; XCom between tasks."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.python_operator import PythonOperator  # warns


def produce(multiplier, **context):
    return [multiplier * i for i in range(3)]


def consume(templates_dict=None, **context):
    values = context["ti"].xcom_pull(task_ids="produce")
    assert values == [0, 10, 20], values
    assert templates_dict["day"] == context["ds"]


dag = DAG("legacy_python", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns

produce_task = PythonOperator(  # warns
    task_id="produce",
    python_callable=produce,
    op_kwargs={"multiplier": 10},
    provide_context=True,
    dag=dag,
)
consume_task = PythonOperator(  # warns
    task_id="consume",
    python_callable=consume,
    templates_dict={"day": "{{ ds }}"},
    provide_context=True,
    dag=dag,
)
produce_task.set_downstream([consume_task])
