"""1.x: aliased imports and several names from one old module on one line."""

from datetime import datetime

from taskloom.models import DAG as LegacyDAG  # warns
from taskloom.operators.dummy_operator import DummyOperator as Noop  # warns
from taskloom.operators.python_operator import BranchPythonOperator  # warns
from taskloom.operators.python_operator import PythonOperator  # warns

with LegacyDAG("legacy_aliases", schedule_interval=None, start_date=datetime(2024, 1, 1)):  # warns
    pick = BranchPythonOperator(task_id="pick", python_callable=lambda: "yes")
    yes = PythonOperator(task_id="yes", python_callable=lambda: "picked")
    no = Noop(task_id="no")
    pick >> [yes, no]
