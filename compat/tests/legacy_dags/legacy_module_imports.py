"""1.x: whole-module imports used through attribute chains (the attribute access warns)."""

from datetime import datetime

import taskloom.hooks.sqlite_hook
import taskloom.operators.dummy_operator
import taskloom.operators.python_operator
from taskloom.models import DAG  # warns


def count(**context):
    hook = taskloom.hooks.sqlite_hook.SqliteHook(sqlite_conn_id="sqlite_default")
    assert hook.get_first("SELECT 1")[0] == 1


dag = DAG("legacy_module_imports", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
first = taskloom.operators.dummy_operator.DummyOperator(task_id="first", dag=dag)  # warns
second = taskloom.operators.python_operator.PythonOperator(  # warns
    task_id="second", python_callable=count, provide_context=True, dag=dag
)
first >> second
