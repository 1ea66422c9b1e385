"""1.x: core hooks from their old modules; a SQLite database through SqliteHook."""

from datetime import datetime

from taskloom.hooks.base_hook import BaseHook  # warns
from taskloom.hooks.dbapi_hook import DbApiHook  # warns
from taskloom.hooks.sqlite_hook import SqliteHook  # warns
from taskloom.models import DAG  # warns
from taskloom.operators.python_operator import PythonOperator  # warns


def use_hooks(**context):
    conn = BaseHook.get_connection("sqlite_default")
    hook = SqliteHook(sqlite_conn_id=conn.conn_id)
    assert isinstance(hook, DbApiHook)
    hook.run("CREATE TABLE IF NOT EXISTS t (v INTEGER)")
    hook.insert_rows("t", [(1,), (2,)])
    assert hook.get_first("SELECT count(*) FROM t")[0] >= 2


dag = DAG("legacy_core_hooks", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
PythonOperator(  # warns
    task_id="use_hooks", python_callable=use_hooks, provide_context=True, dag=dag
)
