"""1.x: exit code 99 skips a Bash task; a failing one is followed by an all_done cleanup."""

import os
from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.utils.trigger_rule import TriggerRule

MARK = os.path.join(os.environ["TASKLOOM_HOME"], "bash_skip.mark")

dag = DAG("legacy_bash_skip", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns

skip = BashOperator(task_id="skip", bash_command="exit 99", dag=dag)
after_skip = BashOperator(task_id="after_skip", bash_command="exit 1", dag=dag)
cleanup = BashOperator(
    task_id="cleanup",
    bash_command=f"test ! -e {MARK} && touch {MARK}",
    trigger_rule=TriggerRule.ALL_DONE,
    dag=dag,
)
skip >> after_skip >> cleanup
