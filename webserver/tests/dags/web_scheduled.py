"""A scheduled DAG (the DAG list's next run) that stays paused, so no scheduler runs it."""

from datetime import datetime

from taskloom.models.dag import DAG
from taskloom.operators.empty import EmptyOperator

with DAG(
    "web_scheduled",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    is_paused_upon_creation=True,
    tags=["nightly"],
) as dag:
    EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
