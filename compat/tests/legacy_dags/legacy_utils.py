"""1.x: `import taskloom` then attribute access, days_ago, and chain from utils.helpers."""

import taskloom
from taskloom.models import DAG  # warns
from taskloom.operators.dummy_operator import DummyOperator  # warns
from taskloom.utils.helpers import chain

dag = DAG(  # warns
    "legacy_utils",
    schedule_interval=None,
    start_date=taskloom.utils.dates.days_ago(2),
)
chain(*[DummyOperator(task_id=f"step_{i}", dag=dag) for i in range(4)])
