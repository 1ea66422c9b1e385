"""1.x: context keys with exact 2.x spellings, read by a provide_context callable and a template."""

import os
from datetime import datetime
from datetime import timedelta

from taskloom.models import DAG  # warns
from taskloom.operators.bash_operator import BashOperator  # warns
from taskloom.operators.python_operator import PythonOperator  # warns

OUT = os.path.join(os.environ["TASKLOOM_HOME"], "context_keys.txt")


def check(**context):
    when = context["execution_date"]
    assert when == context["logical_date"], when
    day = timedelta(days=1)
    with open(OUT) as fh:
        assert fh.read().split() == [
            (when - day).strftime("%Y-%m-%d"),
            (when + day).strftime("%Y%m%d"),
            when.isoformat().replace("-", "").replace(":", ""),
            "legacy_context_keys__render__" + when.strftime("%Y%m%d"),
            context["ds"],
        ]
    return (when - day).isoformat()


dag = DAG("legacy_context_keys", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
render = BashOperator(
    task_id="render",
    bash_command=(
        "echo {{ yesterday_ds }} {{ tomorrow_ds_nodash }} {{ ts_nodash_with_tz }} "
        "{{ task_instance_key_str }} {{ latest_date }} > " + OUT
    ),
    dag=dag,
)
verify = PythonOperator(  # warns
    task_id="verify", python_callable=check, provide_context=True, dag=dag
)
render >> verify
