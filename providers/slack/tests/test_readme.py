"""Every example in README.md works when pasted: connection strings parse, code blocks post."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from taskloom.models.connection import Connection
from taskloom_testing.http_recorder import HttpRecorder
from taskloom_testing.readme import Readme
from taskloom_testing.readme import add_connection

README = Readme.of_tests(__file__)


def test_readme_has_examples() -> None:
    """The README shows connections and code (guards the extraction below)."""
    assert len(README.connection_exports) >= 4
    assert len(README.python_blocks) >= 4


@README.parametrize_connection_exports()
def test_connection_examples_parse(name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each exported connection parses; a webhook one resolves to Slack's webhook URL."""
    assert add_connection(name, value) == 0  # validated by provider.json
    conn_id = name.removeprefix("TASKLOOM_CONN_").lower()
    connection = Connection.from_text(value, conn_id=conn_id)
    monkeypatch.setenv(name, value)
    hook = connection.get_hook()
    if connection.conn_type == "slack_webhook":
        hook.get_conn()
        assert hook.base_url.startswith("https://hooks.slack.com/services/T000/B000/")  # type: ignore[attr-defined]
    else:
        assert connection.conn_type == "slack"
        assert connection.password == "xoxb-your-bot-token"


@README.parametrize_python_blocks()
def test_python_examples_run(
    block: str,
    http_recorder: HttpRecorder,
    webhook_conn: Callable[..., str],
    api_conn: Callable[..., None],
    tmp_path: Path,
) -> None:
    """Code posts as pasted; a DAG example posts when run with ``taskloom dags test``."""
    webhook_conn()
    api_conn()
    for _ in range(2):
        http_recorder.respond(json_body={"ok": True, "ts": "1.5"}, path="/api/chat.postMessage")
    namespace = README.run(block)
    result = README.run_dag(block, namespace, tmp_path)
    if result is not None:
        assert result.returncode == 0, result.logs()
    assert http_recorder.requests
    assert all(r.method == "POST" for r in http_recorder.requests)
