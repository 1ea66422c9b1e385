"""1.x: PostgresOperator (postgres_conn_id=) and PostgresHook from their old modules."""

from datetime import datetime

from taskloom.hooks.postgres_hook import PostgresHook  # warns
from taskloom.models import DAG  # warns
from taskloom.operators.postgres_operator import PostgresOperator  # warns
from taskloom.operators.python_operator import PythonOperator  # warns


def check(**context):
    rows = PostgresHook(postgres_conn_id="postgres_default").get_records(
        "SELECT n FROM legacy_numbers ORDER BY n"
    )
    assert [r[0] for r in rows] == [1, 2, 3], rows


dag = DAG("legacy_postgres", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns

load = PostgresOperator(
    task_id="load",
    postgres_conn_id="postgres_default",
    sql=[
        "DROP TABLE IF EXISTS legacy_numbers",
        "CREATE TABLE legacy_numbers (n INTEGER)",
        "INSERT INTO legacy_numbers VALUES (1), (2), (3)",
    ],
    dag=dag,
)
verify = PythonOperator(  # warns
    task_id="verify", python_callable=check, provide_context=True, dag=dag
)
load.set_downstream(verify)
