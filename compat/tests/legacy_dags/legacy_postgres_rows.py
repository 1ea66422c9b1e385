"""1.x: PostgresOperator with templated SQL; PostgresHook reads the rows on the real server."""

from datetime import datetime

from taskloom.hooks.postgres_hook import PostgresHook  # warns
from taskloom.models import DAG  # warns
from taskloom.operators.postgres_operator import PostgresOperator  # warns
from taskloom.operators.python_operator import PythonOperator  # warns


def check(ds):
    hook = PostgresHook(postgres_conn_id="postgres_default")
    assert hook.get_first(
        "SELECT count(*) FROM legacy_pg_rows WHERE day = %s", parameters=(ds,)
    ) == (2,)


dag = DAG("legacy_postgres_rows", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
load = PostgresOperator(
    task_id="load",
    postgres_conn_id="postgres_default",
    sql=[
        "DROP TABLE IF EXISTS legacy_pg_rows",
        "CREATE TABLE legacy_pg_rows (day DATE, n INT)",
        "INSERT INTO legacy_pg_rows VALUES ('{{ ds }}', 1), ('{{ ds }}', 2)",
    ],
    dag=dag,
)
load >> PythonOperator(task_id="check", python_callable=check, dag=dag)
