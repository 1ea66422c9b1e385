"""1.x: SqlSensor waits for a row that an upstream SqliteOperator writes."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.sqlite_operator import SqliteOperator  # warns
from taskloom.sensors.sql_sensor import SqlSensor  # warns

dag = DAG("legacy_sql_sensor", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
mark = SqliteOperator(  # warns
    task_id="mark",
    sqlite_conn_id="sqlite_default",
    sql=[
        "CREATE TABLE IF NOT EXISTS ready (ds TEXT)",
        "INSERT INTO ready VALUES ('{{ ds }}')",
    ],
    dag=dag,
)
wait = SqlSensor(
    task_id="wait",
    conn_id="sqlite_default",
    sql="SELECT count(*) FROM ready WHERE ds = '{{ ds }}'",
    poke_interval=0.1,
    timeout=30,
    dag=dag,
)
mark >> wait
