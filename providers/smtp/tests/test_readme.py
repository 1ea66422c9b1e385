"""Every example in README.md works when pasted: connection strings parse, code blocks send mail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from taskloom.models.connection import Connection
from taskloom.providers.smtp.hooks.smtp import SmtpHook
from taskloom_testing.readme import Readme
from taskloom_testing.readme import add_connection
from taskloom_testing.smtp import SmtpServer

README = Readme.of_tests(__file__)


def test_readme_has_examples() -> None:
    """The README shows connections and code (guards the extraction below)."""
    assert len(README.connection_exports) >= 2
    assert len(README.python_blocks) >= 3


@README.parametrize_connection_exports()
def test_connection_examples_parse(name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each exported connection parses into a secured SMTP connection with a sender."""
    assert add_connection(name, value) == 0  # validated by provider.json
    assert Connection.from_text(value).conn_type == "smtp"
    monkeypatch.setenv(name, value)
    hook = SmtpHook(smtp_conn_id=name.removeprefix("TASKLOOM_CONN_").lower())
    assert hook.use_ssl or hook.use_starttls
    assert hook.from_email == "bot@example.com"
    assert hook.connection.password == "app-password"


@README.parametrize_python_blocks()
def test_python_examples_run(
    block: str,
    smtp_server: SmtpServer,
    smtp_conn: Callable[..., None],
    tmp_path: Path,
) -> None:
    """Code sends as pasted; a DAG example sends when run with ``taskloom dags test``."""
    smtp_conn(smtp_server)
    namespace = README.run(block)
    result = README.run_dag(block, namespace, tmp_path)
    if result is not None:
        assert result.returncode == 0, result.logs()
    [received] = smtp_server.wait_for_messages(1)
    assert received.message["Subject"]
