"""1.x: SimpleHttpOperator, HttpSensor and HttpHook against an HTTP server (connection http_default)."""

from datetime import datetime

from taskloom.hooks.http_hook import HttpHook  # warns
from taskloom.models import DAG  # warns
from taskloom.operators.http_operator import SimpleHttpOperator  # warns
from taskloom.operators.python_operator import PythonOperator  # warns
from taskloom.sensors.http_sensor import HttpSensor  # warns


def call_with_hook(**context):
    response = HttpHook(method="GET", http_conn_id="http_default").run("status")
    assert response.status_code == 200


dag = DAG("legacy_http", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns

ready = HttpSensor(
    task_id="ready",
    http_conn_id="http_default",
    endpoint="health",
    poke_interval=0.1,
    timeout=30,
    dag=dag,
)
post = SimpleHttpOperator(
    task_id="post",
    http_conn_id="http_default",
    endpoint="events",
    method="POST",
    data='{"day": "{{ ds }}"}',
    headers={"Content-Type": "application/json"},
    dag=dag,
)
hook_call = PythonOperator(  # warns
    task_id="hook_call", python_callable=call_with_hook, provide_context=True, dag=dag
)
ready.set_downstream([post, hook_call])
