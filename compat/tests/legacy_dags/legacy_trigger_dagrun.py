"""1.x: TriggerDagRunOperator(execution_date=...) queues a run of another DAG of the file."""

import json
from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.dagrun_operator import TriggerDagRunOperator  # warns
from taskloom.operators.dummy_operator import DummyOperator  # warns
from taskloom.operators.python_operator import PythonOperator  # warns


def check(ti, ds):
    run_id = ti.xcom_pull(task_ids="trigger")
    row = ti.conn.execute(
        "SELECT conf, state FROM dag_run WHERE dag_id = 'legacy_trigger_target' AND run_id = ?",
        (run_id,),
    ).fetchone()
    assert (json.loads(row[0]), row[1]) == ({}, "queued"), row
    assert run_id.startswith("manual__" + ds), run_id


controller = DAG(  # warns
    "legacy_trigger_dagrun", schedule_interval=None, start_date=datetime(2024, 1, 1)
)
target = DAG(  # warns
    "legacy_trigger_target", schedule_interval=None, start_date=datetime(2024, 1, 1)
)
DummyOperator(task_id="work", dag=target)

trigger = TriggerDagRunOperator(  # warns
    task_id="trigger",
    trigger_dag_id="legacy_trigger_target",
    execution_date="{{ execution_date }}",
    dag=controller,
)
trigger >> PythonOperator(task_id="check", python_callable=check, dag=controller)
