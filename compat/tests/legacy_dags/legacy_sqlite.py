"""1.x: SqliteOperator with sqlite_conn_id=, templated SQL."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.sqlite_operator import SqliteOperator  # warns

dag = DAG("legacy_sqlite", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns

create = SqliteOperator(  # warns
    task_id="create",
    sqlite_conn_id="sqlite_default",
    sql="CREATE TABLE IF NOT EXISTS runs (ds TEXT)",
    dag=dag,
)
insert = SqliteOperator(  # warns
    task_id="insert",
    sqlite_conn_id="sqlite_default",
    sql="INSERT INTO runs VALUES ('{{ ds }}')",
    dag=dag,
)
create.set_downstream(insert)
