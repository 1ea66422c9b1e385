"""Example: build a small report and e-mail it as an HTML message with an attachment.

``build_report`` writes a CSV file under ``$TASKLOOM_HOME/reports`` and returns its path;
``send_report`` (an :class:`EmailOperator`) renders its subject and HTML body from the
context and attaches the file whose path it pulls from XCom. It sends through the
``smtp_default`` connection::

    export TASKLOOM_CONN_SMTP_DEFAULT='smtp://bot%40example.com:app-password@smtp.example.com:587?starttls=true'
    taskloom dags test example_email -S "$(python -c 'import taskloom.providers.smtp.example_dags as m; print(m.__path__[0])')"
"""

from __future__ import annotations

import csv
import datetime

from taskloom import configuration
from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator
from taskloom.providers.smtp.operators.smtp import EmailOperator

ROWS = [("widget", 31, 77.5), ("gadget", 6, 119.94), ("gizmo", 15, 108.75)]


def build_report(ds: str) -> str:
    """Write the day's sales report as CSV and return its path."""
    folder = configuration.home() / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"sales-{ds}.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["product", "items", "revenue"])
        writer.writerows(ROWS)
    return str(path)


HTML = """
<h1>Sales on {{ ds }}</h1>
<table>
  <tr><th>product</th><th>items</th><th>revenue</th></tr>
  {% for product, items, revenue in params.rows %}
  <tr><td>{{ product }}</td><td>{{ items }}</td><td>{{ '%.2f' | format(revenue) }}</td></tr>
  {% endfor %}
</table>
<p>Sent by run <code>{{ run_id }}</code>.</p>
"""

with DAG(
    dag_id="example_email",
    description="Build a CSV report and e-mail it with a templated HTML body.",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    catchup=False,
    params={"to": "ops@example.com", "rows": ROWS},
    tags=["example", "smtp"],
    doc_md=__doc__,
) as dag:
    report = PythonOperator(task_id="build_report", python_callable=build_report)
    send = EmailOperator(
        task_id="send_report",
        to="{{ params.to }}",
        cc=["lead@example.com"],
        subject="Sales report for {{ ds }}",
        html_content=HTML,
        files=["{{ ti.xcom_pull(task_ids='build_report') }}"],
    )
    report >> send
