"""1.x: CheckOperator and ValueCheckOperator on the real PostgreSQL, after a PostgresOperator."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.check_operator import CheckOperator  # warns
from taskloom.operators.check_operator import ValueCheckOperator  # warns
from taskloom.operators.postgres_operator import PostgresOperator  # warns

dag = DAG("legacy_check_postgres", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns

load = PostgresOperator(
    task_id="load",
    postgres_conn_id="postgres_default",
    sql=[
        "DROP TABLE IF EXISTS pg_checks",
        "CREATE TABLE pg_checks (ds DATE, ok BOOLEAN, amount NUMERIC)",
        "INSERT INTO pg_checks VALUES ('{{ ds }}', true, 1.5), ('{{ ds }}', true, 2.5)",
    ],
    dag=dag,
)
all_ok = CheckOperator(
    task_id="all_ok",
    conn_id="postgres_default",
    sql="SELECT bool_and(ok), count(*) FROM pg_checks WHERE ds = '{{ ds }}'",
    dag=dag,
)
amount = ValueCheckOperator(
    task_id="amount",
    conn_id="postgres_default",
    sql="SELECT sum(amount) FROM pg_checks",
    pass_value=4,
    dag=dag,
)
load >> all_ok >> amount
