"""1.x: TaskloomException and TaskloomSkipException raised and caught in callables."""

from datetime import datetime

from taskloom.exceptions import TaskloomException  # warns
from taskloom.exceptions import TaskloomSkipException
from taskloom.models import DAG  # warns
from taskloom.operators.python_operator import PythonOperator  # warns
from taskloom.utils.trigger_rule import TriggerRule


def maybe_skip():
    raise TaskloomSkipException("nothing to do today")


def catches():
    try:
        raise TaskloomException("boom")
    except TaskloomException as exc:
        return f"caught {exc}"


dag = DAG("legacy_exceptions", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
skip = PythonOperator(task_id="skip", python_callable=maybe_skip, dag=dag)
catch = PythonOperator(
    task_id="catch", python_callable=catches, trigger_rule=TriggerRule.ALL_DONE, dag=dag
)
skip >> catch
