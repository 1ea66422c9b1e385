"""1.x: BashOperator(env=...) with templated values; only those variables are set."""

import os
from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns

dag = DAG("legacy_bash_env", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
BashOperator(  # warns
    task_id="env",
    bash_command='test "$RUN_DAY" = {{ ds }} && test -z "$HOME_OF_WORKER" && echo "$RUN_DAY"',
    env={"RUN_DAY": "{{ ds }}", "PATH": os.environ["PATH"]},
    xcom_push=True,
    dag=dag,
)
os.environ["HOME_OF_WORKER"] = "set in the worker"
