"""1.x: DAG(concurrency=, default_view=, orientation=) and task_concurrency=."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns

dag = DAG(  # warns
    "legacy_dag_args",
    schedule_interval=None,
    start_date=datetime(2024, 1, 1),
    concurrency=2,
    default_view="graph",
    orientation="TB",
)

tasks = [
    BashOperator(  # warns
        task_id=f"step_{i}", bash_command="echo {{ ds }}", task_concurrency=1, dag=dag
    )
    for i in range(3)
]
assert dag.max_active_tasks == 2
assert all(t.max_active_tis_per_dag == 1 for t in tasks)
