"""1.x: provide_context and task_concurrency in default_args, bitshift lists, set_upstream."""

import os
from datetime import datetime
from datetime import timedelta

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.operators.python_operator import PythonOperator  # warns

OUT = os.path.join(os.environ["TASKLOOM_HOME"], "default_args_context")

default_args = {
    "owner": "legacy",
    "depends_on_past": False,
    "retries": 1,
    "retry_delay": timedelta(seconds=1),
    "provide_context": True,
    "task_concurrency": 4,
}


def stamp(ds, **kwargs):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, kwargs["task"].task_id), "w") as fh:
        fh.write(ds)


dag = DAG(  # warns
    "legacy_default_args_context",
    default_args=default_args,
    schedule_interval=None,
    start_date=datetime(2024, 1, 1),
)
left = PythonOperator(task_id="left", python_callable=stamp, dag=dag)  # warns
right = PythonOperator(task_id="right", python_callable=stamp, dag=dag)  # warns
join = BashOperator(task_id="join", bash_command=f"cat {OUT}/left {OUT}/right", dag=dag)  # warns
done = BashOperator(task_id="done", bash_command="echo done", dag=dag)  # warns
[left, right] >> join
done.set_upstream(join)
