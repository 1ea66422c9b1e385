"""1.x: CheckOperator, ValueCheckOperator and IntervalCheckOperator on SQLite."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.check_operator import CheckOperator  # warns
from taskloom.operators.check_operator import IntervalCheckOperator  # warns
from taskloom.operators.check_operator import ValueCheckOperator  # warns
from taskloom.operators.sqlite_operator import SqliteOperator  # warns

dag = DAG(  # warns
    "legacy_check_operators", schedule_interval=None, start_date=datetime(2024, 1, 1)
)

load = SqliteOperator(  # warns
    task_id="load",
    sqlite_conn_id="sqlite_default",
    sql=[
        "DROP TABLE IF EXISTS checks",
        "CREATE TABLE checks (ds TEXT, amount INTEGER)",
        "INSERT INTO checks VALUES ('{{ ds }}', 10), ('{{ ds }}', 20), ('{{ macros.ds_add(ds, -7) }}', 25)",
    ],
    dag=dag,
)
has_rows = CheckOperator(
    task_id="has_rows",
    conn_id="sqlite_default",
    sql="SELECT count(*) FROM checks WHERE ds = '{{ ds }}'",
    dag=dag,
)
total = ValueCheckOperator(
    task_id="total",
    conn_id="sqlite_default",
    sql="SELECT sum(amount) FROM checks WHERE ds = '{{ ds }}'",
    pass_value=29,
    tolerance=0.1,
    dag=dag,
)
week = IntervalCheckOperator(
    task_id="week_over_week",
    conn_id="sqlite_default",
    table="checks",
    metrics_thresholds={"sum(amount)": 1.3},
    days_back=7,
    dag=dag,
)
load >> [has_rows, total, week]
