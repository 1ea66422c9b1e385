"""1.x: DummyOperator fan-out and fan-in with bitshift lists."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.operators.dummy_operator import DummyOperator  # warns

dag = DAG("legacy_dummy_fanout", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
start = DummyOperator(task_id="start", dag=dag)
middle = [BashOperator(task_id=f"part_{i}", bash_command=f"echo {i}", dag=dag) for i in range(3)]
end = DummyOperator(task_id="end", dag=dag)
start >> middle >> end
assert end.upstream_task_ids == {"part_0", "part_1", "part_2"}
