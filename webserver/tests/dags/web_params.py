"""A DAG with typed params (the trigger form and conf validation) that pushes an XCom."""

from datetime import datetime

from taskloom.models.dag import DAG
from taskloom.models.param import Param
from taskloom.operators.python import PythonOperator


def total(params) -> int:
    return params["n"] * 2


with DAG(
    "web_params",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    tags=["web", "params"],
    params={
        "n": Param(3, type="integer", minimum=1, description="How many"),
        "mode": Param("fast", type="string", enum=["fast", "slow"]),
    },
) as dag:
    PythonOperator(task_id="double", python_callable=total)
