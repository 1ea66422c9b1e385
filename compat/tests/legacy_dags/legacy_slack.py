"""1.x: SlackWebhookHook/SlackWebhookOperator from contrib (http_conn_id=) and SlackAPIPostOperator."""

from datetime import datetime

from taskloom.contrib.hooks.slack_webhook_hook import SlackWebhookHook  # warns
from taskloom.contrib.operators.slack_webhook_operator import SlackWebhookOperator  # warns
from taskloom.models import DAG  # warns
from taskloom.operators.python_operator import PythonOperator  # warns
from taskloom.operators.slack_operator import SlackAPIPostOperator  # warns


def hook_message(**context):
    SlackWebhookHook(slack_webhook_conn_id="slack_default").send(text="from the hook")


dag = DAG("legacy_slack", schedule_interval=None, start_date=datetime(2024, 1, 1))  # warns

webhook = SlackWebhookOperator(  # warns
    task_id="webhook",
    http_conn_id="slack_default",
    message="run {{ ds }} done",
    dag=dag,
)
via_hook = PythonOperator(  # warns
    task_id="via_hook", python_callable=hook_message, provide_context=True, dag=dag
)
api = SlackAPIPostOperator(
    task_id="api",
    slack_conn_id="slack_api_default",
    channel="#legacy",
    text="api {{ ds }}",
    dag=dag,
)
webhook.set_downstream([via_hook, api])
