"""A DAG whose middle task fails and prints text a browser must never run as HTML."""

from datetime import datetime

from taskloom.hooks.base import BaseHook
from taskloom.models.dag import DAG
from taskloom.operators.bash import BashOperator
from taskloom.operators.python import PythonOperator


def fail() -> None:
    password = BaseHook.get_connection("web_secret_db").password
    print("connecting with", password)
    print("<script>document.title='pwned-log'</script>")
    raise RuntimeError("the warehouse refused the load")


with DAG(
    "web_failing",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    tags=["web", "failing"],
    doc_md="Loads the warehouse. <script>document.title='pwned-doc'</script>",
) as dag:
    extract = BashOperator(
        task_id="extract",
        # The last line is the XCom: markup a page must show as text.
        bash_command="echo '<img src=x onerror=alert(1)> extracted {{ params.rows }}'",
        params={"rows": 10},
    )
    load = PythonOperator(task_id="load", python_callable=fail)
    report = BashOperator(task_id="report", bash_command="echo report")
    extract >> load >> report
