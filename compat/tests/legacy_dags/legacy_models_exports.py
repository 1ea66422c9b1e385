"""1.x: DAG, BaseOperator, Variable and TaskInstance imported from taskloom.models."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.models import BaseOperator  # warns
from taskloom.models import Connection  # warns
from taskloom.models import DagRun  # warns
from taskloom.models import TaskInstance  # warns
from taskloom.models import Variable  # warns
from taskloom.operators.python_operator import PythonOperator  # warns


class SetVariable(BaseOperator):
    def execute(self, context):
        assert isinstance(context["ti"], TaskInstance)
        assert isinstance(context["dag_run"], DagRun)
        assert Connection(conn_id="x", conn_type="sqlite").conn_type == "sqlite"
        Variable.set("legacy_models_key", "value-{}".format(context["ds"]))


def read(ds):
    assert Variable.get("legacy_models_key") == "value-" + ds
    assert Variable.get("missing_key", default_var="fallback") == "fallback"


dag = DAG("legacy_models_exports", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns
SetVariable(task_id="set", dag=dag) >> PythonOperator(task_id="read", python_callable=read, dag=dag)
