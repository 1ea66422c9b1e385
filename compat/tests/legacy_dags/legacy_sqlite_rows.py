"""1.x: SqliteOperator writes rows; a callable reads them back through SqliteHook."""

from datetime import datetime

from taskloom.hooks.sqlite_hook import SqliteHook  # warns
from taskloom.models import DAG  # warns
from taskloom.operators.python_operator import PythonOperator  # warns
from taskloom.operators.sqlite_operator import SqliteOperator  # warns


def check(ds):
    rows = SqliteHook(sqlite_conn_id="sqlite_default").get_records("SELECT day FROM legacy_rows")
    assert rows == [(ds,)], rows


dag = DAG("legacy_sqlite_rows", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
create = SqliteOperator(  # warns
    task_id="create",
    sqlite_conn_id="sqlite_default",
    sql="CREATE TABLE IF NOT EXISTS legacy_rows (day TEXT)",
    dag=dag,
)
insert = SqliteOperator(  # warns
    task_id="insert",
    sqlite_conn_id="sqlite_default",
    sql="INSERT INTO legacy_rows VALUES ('{{ ds }}')",
    dag=dag,
)
create >> insert >> PythonOperator(task_id="check", python_callable=check, dag=dag)
