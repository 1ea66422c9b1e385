"""1.x: EmailOperator from email_operator and send_email from taskloom.utils.email."""

from datetime import datetime

from taskloom.models import DAG  # warns
from taskloom.operators.email_operator import EmailOperator  # warns
from taskloom.operators.python_operator import PythonOperator  # warns
from taskloom.utils.email import send_email


def mail(**context):
    send_email("ops@example.com", "utils.email {{ ds }}", f"<p>{context['ds']}</p>")


dag = DAG("legacy_email", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns

email = EmailOperator(
    task_id="email",
    to=["ops@example.com"],
    subject="Run {{ ds }}",
    html_content="<b>done</b>",
    dag=dag,
)
helper = PythonOperator(  # warns
    task_id="send_email", python_callable=mail, provide_context=True, dag=dag
)
email.set_downstream(helper)
