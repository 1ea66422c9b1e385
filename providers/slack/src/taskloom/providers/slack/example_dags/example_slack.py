"""Example: tell Slack that a load finished, by webhook and through the Web API.

``notify_webhook`` posts a Block Kit message to the incoming webhook of ``slack_default``;
``post_summary`` posts to ``#data`` with the bot token of ``slack_api_default`` and pushes
the message's ``ts`` to XCom; ``reply_in_thread`` answers in that message's thread. Every
text is templated::

    export TASKLOOM_CONN_SLACK_DEFAULT='slack-webhook://:T000%2FB000%2FXXXX@'
    export TASKLOOM_CONN_SLACK_API_DEFAULT='slack://:xoxb-your-bot-token@'
    taskloom dags test example_slack -S "$(python -c 'import taskloom.providers.slack.example_dags as m; print(m.__path__[0])')"
"""

from __future__ import annotations

import datetime

from taskloom.models.dag import DAG
from taskloom.providers.slack.operators.slack import SlackAPIPostOperator
from taskloom.providers.slack.operators.slack_webhook import SlackWebhookOperator

with DAG(
    dag_id="example_slack",
    description="Post a load summary to Slack by webhook and through the Web API.",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    catchup=False,
    params={"channel": "#data", "rows": 1250},
    tags=["example", "slack"],
    doc_md=__doc__,
) as dag:
    notify = SlackWebhookOperator(
        task_id="notify_webhook",
        message="{{ dag.dag_id }} finished for {{ ds }}",
        blocks=[
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*{{ dag.dag_id }}* loaded *{{ params.rows }}* rows for {{ ds }}",
                },
            }
        ],
        icon_emoji=":white_check_mark:",
    )
    summary = SlackAPIPostOperator(
        task_id="post_summary",
        channel="{{ params.channel }}",
        text="Daily load for {{ ds }}: {{ params.rows }} rows",
        attachments=[{"color": "#36a64f", "text": "run {{ run_id }}"}],
    )
    reply = SlackAPIPostOperator(
        task_id="reply_in_thread",
        channel="{{ params.channel }}",
        thread_ts="{{ ti.xcom_pull(task_ids='post_summary') }}",
        text="Logs: taskloom tasks logs {{ dag.dag_id }} post_summary",
    )
    notify >> summary >> reply
