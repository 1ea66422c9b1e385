"""A DAG whose task writes a log of about 600 KB: longer than one piece the API hands out."""

from datetime import datetime

from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator


def chatter() -> None:
    for i in range(6000):
        print(f"line {i:05d} " + "x" * 90)
    print("the last line of the log")


with DAG("web_chatty", schedule=None, start_date=datetime(2026, 1, 1), tags=["web"]) as dag:
    PythonOperator(task_id="chatter", python_callable=chatter, do_xcom_push=False)
