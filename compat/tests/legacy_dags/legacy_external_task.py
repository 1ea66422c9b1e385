"""1.x: ExternalTaskSensor waits for a task of a run at the same logical date; ExternalTaskMarker."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.sensors.external_task_sensor import ExternalTaskMarker  # warns
from taskloom.sensors.external_task_sensor import ExternalTaskSensor  # warns

dag = DAG("legacy_external_task", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
produce = BashOperator(task_id="produce", bash_command="echo produced", dag=dag)
wait = ExternalTaskSensor(
    task_id="wait",
    external_dag_id="legacy_external_task",
    external_task_id="produce",
    mode="reschedule",
    poke_interval=0.1,
    timeout=30,
    dag=dag,
)
marker = ExternalTaskMarker(
    task_id="marker", external_dag_id="reporting", external_task_id="wait_for_produce", dag=dag
)
produce >> marker
