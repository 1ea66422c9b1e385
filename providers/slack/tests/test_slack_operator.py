"""SlackAPIPostOperator in DAG runs against the HTTP recorder posing as the Web API."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

from conftest import BOT_TOKEN

from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.http_recorder import HttpRecorder


def _dag(tmp_path: Path, arguments: str) -> Path:
    (tmp_path / "post.py").write_text(
        textwrap.dedent(
            f"""
            import datetime
            from taskloom.models.dag import DAG
            from taskloom.providers.slack.operators.slack import SlackAPIPostOperator

            with DAG(dag_id="post", schedule=None, start_date=datetime.datetime(2026, 1, 1)):
                SlackAPIPostOperator(task_id="post", {arguments})
            """
        )
    )
    return tmp_path


def test_blocks_and_identity(
    http_recorder: HttpRecorder,
    api_conn: Callable[..., None],
    run_dag: Callable[..., DagRunOutcome],
    tmp_path: Path,
) -> None:
    """Blocks, username and icon are rendered and posted; the message ts goes to XCom."""
    api_conn()
    http_recorder.respond(
        json_body={"ok": True, "channel": "C1", "ts": "1.2"}, path="/api/chat.postMessage"
    )
    folder = _dag(
        tmp_path,
        'channel="C1", text="fallback {{ ds }}", username="bot", icon_emoji=":robot_face:", '
        'blocks=[{"type": "header", "text": {"type": "plain_text", "text": "Load {{ ds }}"}}]',
    )
    result = run_dag("post", folder, "2026-04-05")
    assert result.returncode == 0, result.logs()
    [request] = http_recorder.requests
    assert request.json == {
        "channel": "C1",
        "text": "fallback 2026-04-05",
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "Load 2026-04-05"}}],
        "username": "bot",
        "icon_emoji": ":robot_face:",
    }
    assert result.xcoms()["post"] == "1.2"


def test_api_error_fails_the_task(
    http_recorder: HttpRecorder,
    api_conn: Callable[..., None],
    run_dag: Callable[..., DagRunOutcome],
    tmp_path: Path,
) -> None:
    """invalid_auth fails the task with the hint to check the token, which the log never shows."""
    api_conn()
    http_recorder.respond_slack_error(200, "invalid_auth", path="/api/chat.postMessage")
    result = run_dag("post", _dag(tmp_path, 'channel="#c", text="x"'))
    assert result.returncode == 1
    assert "error 'invalid_auth'" in result.logs()
    assert "check the connection's password" in result.logs()
    assert BOT_TOKEN not in result.logs()


def test_empty_message_is_refused(
    http_recorder: HttpRecorder,
    api_conn: Callable[..., None],
    run_dag: Callable[..., DagRunOutcome],
    tmp_path: Path,
) -> None:
    """A message without text, blocks or attachments fails before calling Slack."""
    api_conn()
    result = run_dag("post", _dag(tmp_path, 'channel="#c"'))
    assert result.returncode == 1
    assert "task 'post': a Slack message needs text, blocks or attachments" in result.logs()
    assert http_recorder.requests == []
