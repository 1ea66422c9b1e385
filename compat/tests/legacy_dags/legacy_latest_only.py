"""1.x: LatestOnlyOperator from latest_only_operator (a manual run is never skipped)."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.dummy_operator import DummyOperator  # warns
from taskloom.operators.latest_only_operator import LatestOnlyOperator  # warns

dag = DAG(  # warns
    "legacy_latest_only", schedule_interval="@daily", start_date=datetime(2024, 1, 1)
)

latest_only = LatestOnlyOperator(task_id="latest_only", dag=dag)
notify = DummyOperator(task_id="notify", dag=dag)
latest_only.set_downstream(notify)
