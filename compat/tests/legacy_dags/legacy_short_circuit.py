"""1.x: ShortCircuitOperator stops a Bash task on a falsy condition."""

import os
from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.operators.python_operator import ShortCircuitOperator  # warns

MARK = os.path.join(os.environ["TASKLOOM_HOME"], "short_circuit.mark")

dag = DAG("legacy_short_circuit", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
gate = ShortCircuitOperator(task_id="gate", python_callable=lambda: False, dag=dag)
never = BashOperator(task_id="never", bash_command=f"touch {MARK}", dag=dag)
gate >> never
