"""The example_slack DAG, run end to end against the HTTP recorder (webhook and Web API)."""

from __future__ import annotations

from collections.abc import Callable

from conftest import BOT_TOKEN
from conftest import WEBHOOK_TOKEN

from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.http_recorder import HttpRecorder


def test_example_slack(
    http_recorder: HttpRecorder,
    webhook_conn: Callable[..., str],
    api_conn: Callable[..., None],
    run_dag: Callable[..., DagRunOutcome],
) -> None:
    """Each task posts its rendered payload; the reply lands in the summary's thread; logs hold no token."""
    webhook_path = webhook_conn()
    api_conn()
    http_recorder.respond(
        json_body={"ok": True, "channel": "C0DATA", "ts": "1767225600.000100"},
        path="/api/chat.postMessage",
    )
    result = run_dag("example_slack", None, "2026-01-05")
    assert result.returncode == 0, result.logs()
    webhook, summary, reply = http_recorder.requests
    assert (webhook.path, summary.path, reply.path) == (
        webhook_path,
        "/api/chat.postMessage",
        "/api/chat.postMessage",
    )
    assert webhook.json == {
        "text": "example_slack finished for 2026-01-05",
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*example_slack* loaded *1250* rows for 2026-01-05",
                },
            }
        ],
        "icon_emoji": ":white_check_mark:",
    }
    assert summary.header("Authorization") == f"Bearer {BOT_TOKEN}"
    assert summary.json == {
        "channel": "#data",
        "text": "Daily load for 2026-01-05: 1250 rows",
        "attachments": [{"color": "#36a64f", "text": f"run {result.run_id}"}],
    }
    assert result.xcoms()["post_summary"] == "1767225600.000100"
    assert reply.json == {
        "channel": "#data",
        "text": "Logs: taskloom tasks logs example_slack post_summary",
        "thread_ts": "1767225600.000100",
    }
    assert WEBHOOK_TOKEN not in result.logs()
    assert BOT_TOKEN not in result.logs()
