"""SlackWebhookOperator in DAG runs against the HTTP recorder: templating, errors, masked logs."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

from conftest import WEBHOOK_TOKEN

from taskloom.providers.slack.operators.slack_webhook import SlackWebhookOperator
from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.http_recorder import HttpRecorder

DAG_FILE = textwrap.dedent(
    """
    import datetime
    from taskloom.models.dag import DAG
    from taskloom.providers.slack.operators.slack_webhook import SlackWebhookOperator

    with DAG(dag_id="notify", schedule=None, start_date=datetime.datetime(2026, 1, 1),
             params={"who": "data-team"}):
        SlackWebhookOperator(
            task_id="post",
            message="hi {{ params.who }}",
            attachments=[{"text": "run {{ run_id }}", "color": "good"}],
            channel="#{{ params.who }}",
            username="taskloom-{{ ds_nodash }}",
            icon_url="https://example.com/{{ params.who }}.png",
            link_names=True,
        )
    """
)


def test_templated_post(
    http_recorder: HttpRecorder,
    webhook_conn: Callable[..., str],
    run_dag: Callable[..., DagRunOutcome],
    tmp_path: Path,
) -> None:
    """Every templated field is rendered into the JSON payload, nested strings included."""
    path = webhook_conn()
    (tmp_path / "notify.py").write_text(DAG_FILE)
    result = run_dag("notify", tmp_path, "2026-02-03")
    assert result.returncode == 0, result.logs()
    [request] = http_recorder.requests
    assert request.path == path
    assert request.json == {
        "text": "hi data-team",
        "attachments": [{"text": f"run {result.run_id}", "color": "good"}],
        "channel": "#data-team",
        "username": "taskloom-20260203",
        "icon_url": "https://example.com/data-team.png",
        "link_names": True,
    }
    assert WEBHOOK_TOKEN not in result.logs()


def test_refused_post_fails_the_task(
    http_recorder: HttpRecorder,
    webhook_conn: Callable[..., str],
    run_dag: Callable[..., DagRunOutcome],
    tmp_path: Path,
) -> None:
    """Slack's 404 no_service fails the task with the hint; the task log masks the token."""
    webhook_conn()
    http_recorder.respond_slack_error(404, "no_service")
    (tmp_path / "notify.py").write_text(DAG_FILE)
    result = run_dag("notify", tmp_path)
    assert result.returncode == 1
    assert result.task_states() == {"post": "failed"}
    assert (
        "returned HTTP 404 Not Found: no_service; the webhook is disabled, revoked or mistyped"
        in result.logs()
    )
    assert "/services/***" in result.logs()
    assert WEBHOOK_TOKEN not in result.logs()


def test_operator_fields() -> None:
    """The operator keeps Airflow's argument names; content fields are templated."""
    op = SlackWebhookOperator(task_id="t", message="m")
    assert op.slack_webhook_conn_id == "slack_default"
    assert {"message", "blocks", "attachments", "channel", "username"} <= set(op.template_fields)
