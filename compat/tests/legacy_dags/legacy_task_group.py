"""TaskGroup (Airflow 2 path) in a 1.x-style file: prefixed task ids, groups linked like tasks."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.operators.dummy_operator import DummyOperator  # warns
from taskloom.utils.task_group import TaskGroup

dag = DAG("legacy_task_group", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
with dag:
    start = DummyOperator(task_id="start")
    with TaskGroup("extract") as extract:
        orders = BashOperator(task_id="orders", bash_command="echo orders")
        users = BashOperator(task_id="users", bash_command="echo users")
    end = BashOperator(task_id="end", bash_command="echo {{ task.task_id }}")
    start >> extract >> end
assert set(dag.task_dict) == {"start", "extract.orders", "extract.users", "end"}
assert end.upstream_task_ids == {"extract.orders", "extract.users"}
