"""1.x: a provide_context branch picks one of two Bash paths; the join runs with none_failed."""

import os
from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.operators.dummy_operator import DummyOperator  # warns
from taskloom.operators.python_operator import BranchPythonOperator  # warns

OUT = os.path.join(os.environ["TASKLOOM_HOME"], "branch_bash.txt")


def choose(**context):
    return "weekday" if context["logical_date"].weekday() < 5 else "weekend"


dag = DAG("legacy_branch_bash", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
branch = BranchPythonOperator(  # warns
    task_id="branch", python_callable=choose, provide_context=True, dag=dag
)
weekday = BashOperator(task_id="weekday", bash_command=f"echo weekday >> {OUT}", dag=dag)
weekend = BashOperator(task_id="weekend", bash_command=f"echo weekend >> {OUT}", dag=dag)
join = DummyOperator(task_id="join", trigger_rule="none_failed", dag=dag)
check = BashOperator(task_id="check", bash_command=f"test $(wc -l < {OUT}) -eq 1", dag=dag)
branch >> [weekday, weekend] >> join >> check
