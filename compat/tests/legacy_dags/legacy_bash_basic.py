"""1.x: templated BashOperator with macros and params writing a file; a Python task checks it."""

import os
from datetime import date
from datetime import datetime
from datetime import timedelta

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.operators.python_operator import PythonOperator  # warns

OUT = os.path.join(os.environ["TASKLOOM_HOME"], "bash_basic.txt")

dag = DAG("legacy_bash_basic", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns

write = BashOperator(
    task_id="write",
    bash_command="echo '{{ params.table }} {{ macros.ds_add(ds, 7) }} {{ ds_nodash }}' > " + OUT,
    params={"table": "events"},
    dag=dag,
)


def check(ds):
    week_later = (date.fromisoformat(ds) + timedelta(days=7)).isoformat()
    with open(OUT) as fh:
        assert fh.read() == f"events {week_later} {ds.replace('-', '')}\n"


verify = PythonOperator(task_id="verify", python_callable=check, dag=dag)
write >> verify
