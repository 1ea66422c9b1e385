"""1.x: GenericTransfer copies rows from SQLite into PostgreSQL; a callable counts them."""

from datetime import datetime

from taskloom.hooks.postgres_hook import PostgresHook  # warns
from taskloom.models import DAG  # warns
from taskloom.operators.generic_transfer import GenericTransfer
from taskloom.operators.python_operator import PythonOperator  # warns
from taskloom.operators.sqlite_operator import SqliteOperator  # warns


def count(ds):
    hook = PostgresHook(postgres_conn_id="postgres_default")
    assert hook.get_first("SELECT count(*), min(day) FROM transferred") == (3, ds)


dag = DAG(  # warns
    "legacy_generic_transfer", schedule_interval=None, start_date=datetime(2024, 1, 1)
)
source = SqliteOperator(  # warns
    task_id="source",
    sqlite_conn_id="sqlite_default",
    sql=[
        "DROP TABLE IF EXISTS outgoing",
        "CREATE TABLE outgoing (day TEXT, n INTEGER)",
        "INSERT INTO outgoing VALUES ('{{ ds }}', 1), ('{{ ds }}', 2), ('{{ ds }}', 3)",
    ],
    dag=dag,
)
copy = GenericTransfer(
    task_id="copy",
    sql="SELECT day, n FROM outgoing",
    source_conn_id="sqlite_default",
    destination_conn_id="postgres_default",
    destination_table="transferred",
    preoperator=[
        "DROP TABLE IF EXISTS transferred",
        "CREATE TABLE transferred (day TEXT, n INTEGER)",
    ],
    dag=dag,
)
source >> copy >> PythonOperator(task_id="count", python_callable=count, dag=dag)
