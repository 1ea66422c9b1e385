"""1.x: taskloom.macros from Python and macros.* in templates."""

from datetime import datetime

from taskloom.macros import ds_add
from taskloom.macros import ds_format
from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.operators.python_operator import PythonOperator  # warns


def check(ti, ds):
    line = ti.xcom_pull(task_ids="render")
    day, formatted, uid = line.split()
    assert day == ds_add(ds, 3)
    assert formatted == ds_format(ds, "%Y-%m-%d", "%d/%m/%Y") == "/".join(reversed(ds.split("-")))
    assert len(uid) == 36


dag = DAG("legacy_macros", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
render = BashOperator(
    task_id="render",
    bash_command=(
        "echo {{ macros.ds_add(ds, 3) }} {{ macros.ds_format(ds, '%Y-%m-%d', '%d/%m/%Y') }} "
        "{{ macros.uuid.uuid4() }}"
    ),
    dag=dag,
)
render >> PythonOperator(task_id="check", python_callable=check, dag=dag)
