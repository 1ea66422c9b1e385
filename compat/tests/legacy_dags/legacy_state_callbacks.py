"""1.x: State constants compared in an on_success_callback that writes a file."""

import os
from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.utils.state import State  # warns

OUT = os.path.join(os.environ["TASKLOOM_HOME"], "state_callbacks.txt")


def record(context):
    ti = context["ti"]
    ti.refresh()
    with open(OUT, "w") as fh:
        fh.write(str(ti.state == State.SUCCESS or ti.state == State.RUNNING))


dag = DAG(  # warns
    "legacy_state_callbacks", schedule_interval=None, start_date=datetime(2024, 1, 1)
)
work = BashOperator(task_id="work", bash_command="echo done", on_success_callback=record, dag=dag)
check = BashOperator(task_id="check", bash_command=f"grep -q True {OUT}", dag=dag)
work >> check
