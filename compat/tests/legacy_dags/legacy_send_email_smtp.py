"""1.x: taskloom.utils.email.send_email_smtp from a callable (the smtp_default connection)."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.python_operator import PythonOperator  # warns
from taskloom.utils.email import send_email_smtp  # warns


def notify(ds):
    message_id = send_email_smtp("ops@example.com", f"report {ds}", "<b>done</b>")
    assert message_id


dag = DAG(  # warns
    "legacy_send_email_smtp", schedule_interval=None, start_date=datetime(2024, 1, 1)
)
PythonOperator(task_id="notify", python_callable=notify, dag=dag)
