"""Every example in README.md works when pasted: connection strings parse, code blocks post."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from taskloom.cli import main
from taskloom.models.connection import Connection
from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.http_recorder import HttpRecorder

README = (Path(__file__).parent.parent / "README.md").read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
EXPORTS = re.findall(r"^export (TASKLOOM_CONN_\w+)=(.*)$", README, re.M)


def test_readme_has_examples() -> None:
    """The README shows connections and code (guards the extraction below)."""
    assert len(EXPORTS) >= 4
    assert len(PYTHON_BLOCKS) >= 4


@pytest.mark.parametrize(
    ("name", "value"), EXPORTS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(EXPORTS)]
)
def test_connection_examples_parse(name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each exported connection parses; a webhook one resolves to Slack's webhook URL."""
    text = shlex.split(value)[0]
    flag = "--conn-json" if text.startswith("{") else "--conn-uri"
    assert (
        main(["connections", "add", f"readme_{name.lower()}", flag, text]) == 0
    )  # validated by provider.json
    conn_id = name.removeprefix("TASKLOOM_CONN_").lower()
    connection = Connection.from_text(text, conn_id=conn_id)
    monkeypatch.setenv(name, text)
    hook = connection.get_hook()
    if connection.conn_type == "slack_webhook":
        hook.get_conn()
        assert hook.base_url.startswith("https://hooks.slack.com/services/T000/B000/")  # type: ignore[attr-defined]
    else:
        assert connection.conn_type == "slack"
        assert connection.password == "xoxb-your-bot-token"


@pytest.mark.parametrize(
    "block", PYTHON_BLOCKS, ids=[f"block{i}" for i in range(len(PYTHON_BLOCKS))]
)
def test_python_examples_run(
    block: str,
    http_recorder: HttpRecorder,
    webhook_conn: Callable[..., str],
    api_conn: Callable[..., None],
    run_dag: Callable[..., DagRunOutcome],
    tmp_path: Path,
) -> None:
    """Code posts as pasted; a DAG example posts when run with ``taskloom dags test``."""
    webhook_conn()
    api_conn()
    for _ in range(2):
        http_recorder.respond(json_body={"ok": True, "ts": "1.5"}, path="/api/chat.postMessage")
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    dag = namespace.get("dag")
    if dag is not None:
        (tmp_path / "readme_dag.py").write_text(block)
        result = run_dag(dag.dag_id, tmp_path)  # type: ignore[attr-defined]
        assert result.returncode == 0, result.logs()
    assert http_recorder.requests
    assert all(r.method == "POST" for r in http_recorder.requests)
