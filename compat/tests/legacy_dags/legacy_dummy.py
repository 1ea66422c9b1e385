"""1.x: DummyOperator, dag=dag on every operator, set_upstream/set_downstream with lists."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.dummy_operator import DummyOperator  # warns

dag = DAG("legacy_dummy", schedule_interval="@daily", start_date=datetime(2024, 1, 1))  # warns

start = DummyOperator(task_id="start", dag=dag)
left = DummyOperator(task_id="left", dag=dag)
right = DummyOperator(task_id="right", dag=dag)
end = DummyOperator(task_id="end", dag=dag)
start.set_downstream([left, right])
end.set_upstream([left, right])
