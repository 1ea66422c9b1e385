"""Every example in README.md works when pasted: connection strings parse, code blocks send mail."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from taskloom.cli import main
from taskloom.models.connection import Connection
from taskloom.providers.smtp.hooks.smtp import SmtpHook
from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.smtp import SmtpServer

README = (Path(__file__).parent.parent / "README.md").read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
EXPORTS = re.findall(r"^export (TASKLOOM_CONN_\w+)=(.*)$", README, re.M)


def test_readme_has_examples() -> None:
    """The README shows connections and code (guards the extraction below)."""
    assert len(EXPORTS) >= 2
    assert len(PYTHON_BLOCKS) >= 3


@pytest.mark.parametrize(
    ("name", "value"), EXPORTS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(EXPORTS)]
)
def test_connection_examples_parse(name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each exported connection parses into a secured SMTP connection with a sender."""
    text = shlex.split(value)[0]
    flag = "--conn-json" if text.startswith("{") else "--conn-uri"
    assert (
        main(["connections", "add", f"readme_{name.lower()}", flag, text]) == 0
    )  # validated by provider.json
    assert Connection.from_text(text).conn_type == "smtp"
    monkeypatch.setenv(name, text)
    hook = SmtpHook(smtp_conn_id=name.removeprefix("TASKLOOM_CONN_").lower())
    assert hook.use_ssl or hook.use_starttls
    assert hook.from_email == "bot@example.com"
    assert hook.connection.password == "app-password"


@pytest.mark.parametrize(
    "block", PYTHON_BLOCKS, ids=[f"block{i}" for i in range(len(PYTHON_BLOCKS))]
)
def test_python_examples_run(
    block: str,
    smtp_server: SmtpServer,
    smtp_conn: Callable[..., None],
    run_dag: Callable[..., DagRunOutcome],
    tmp_path: Path,
) -> None:
    """Code sends as pasted; a DAG example sends when run with ``taskloom dags test``."""
    smtp_conn(smtp_server)
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    dag = namespace.get("dag")
    if dag is not None:
        (tmp_path / "readme_dag.py").write_text(block)
        result = run_dag(dag.dag_id, tmp_path)  # type: ignore[attr-defined]
        assert result.returncode == 0, result.logs()
    [received] = smtp_server.wait_for_messages(1)
    assert received.message["Subject"]
