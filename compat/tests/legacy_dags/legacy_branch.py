"""1.x: BranchPythonOperator and ShortCircuitOperator from python_operator."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.dummy_operator import DummyOperator  # warns
from taskloom.operators.python_operator import BranchPythonOperator  # warns
from taskloom.operators.python_operator import ShortCircuitOperator  # warns

dag = DAG("legacy_branch", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns

branch = BranchPythonOperator(task_id="branch", python_callable=lambda: "chosen", dag=dag)
chosen = DummyOperator(task_id="chosen", dag=dag)
other = DummyOperator(task_id="other", dag=dag)
branch.set_downstream([chosen, other])

gate = ShortCircuitOperator(task_id="gate", python_callable=lambda: False, dag=dag)
after_gate = DummyOperator(task_id="after_gate", dag=dag)
gate.set_downstream(after_gate)
