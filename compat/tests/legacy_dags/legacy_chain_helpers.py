"""1.x: utils.helpers.chain and utils.dates.days_ago with a timedelta schedule."""

from datetime import timedelta

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.utils.dates import days_ago
from taskloom.utils.helpers import chain

dag = DAG(  # warns
    "legacy_chain_helpers",
    schedule_interval=timedelta(hours=6),
    start_date=days_ago(1),
    catchup=False,
)
steps = [BashOperator(task_id=f"s{i}", bash_command=f"echo {i}", dag=dag) for i in range(4)]
chain(*steps)
assert steps[3].upstream_task_ids == {"s2"}
