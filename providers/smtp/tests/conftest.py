"""Fixtures of the SMTP provider's tests: real aiosmtpd servers, and connections to them."""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from taskloom_testing.dagrun import run_dags_test
from taskloom_testing.smtp import SmtpServer
from taskloom_testing.smtp import smtp_server  # noqa: F401  (fixture)
from taskloom_testing.smtp import smtp_ssl_server  # noqa: F401  (fixture)
from taskloom_testing.smtp import smtp_starttls_server  # noqa: F401  (fixture)

#: The package of the example DAGs the tests run (from the installed wheel).
EXAMPLE_DAGS = "taskloom.providers.smtp.example_dags"
#: The sender the test connections use.
SENDER = "taskloom@example.com"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point TASKLOOM_HOME at a fresh folder and drop the caller's TASKLOOM_* settings."""
    for name in list(os.environ):
        if name.startswith("TASKLOOM") and not name.startswith("TASKLOOM_TEST_"):
            monkeypatch.delenv(name)
    home = tmp_path / "taskloom-home"
    monkeypatch.setenv("TASKLOOM_HOME", str(home))
    return home


@pytest.fixture
def smtp_conn(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Define an ``smtp`` connection to a fixture server: ``smtp_conn(server, "id", **extra)``.

    The server's messages are cleared, so a test sees only what it sent. ``login=None``
    connects without logging in; ``password=...`` overrides the right one.
    """

    def define(
        server: SmtpServer,
        conn_id: str = "smtp_default",
        *,
        login: str | None = "",
        password: str | None = None,
        **extra: object,
    ) -> None:
        server.clear()
        fields: dict[str, object] = {
            "conn_type": "smtp",
            "host": server.host,
            "port": server.port,
            "extra": {"from_email": SENDER, "retry_limit": 1, "timeout": 10, **extra},
        }
        if login is not None:
            fields["login"] = login or server.login
            fields["password"] = server.password if password is None else password
        monkeypatch.setenv(f"TASKLOOM_CONN_{conn_id.upper()}", json.dumps(fields))

    return define


@dataclass
class DagRunResult:
    """What one ``taskloom dags test`` run of an example DAG left behind."""

    exit_code: int
    output: str
    run_id: str
    states: dict[str, str | None]
    #: Return values (XCom ``return_value``) by task id.
    returns: dict[str, Any]
    #: The text of every task log of the run.
    logs: str


@pytest.fixture
def run_dag(_isolated_home: Path) -> Callable[..., DagRunResult]:
    """Run a DAG with ``taskloom dags test`` in a new process: ``run_dag(dag_id, folder, *args)``.

    ``folder`` ``None`` means the installed provider's example DAGs.  ``args`` may hold a
    logical date and ``--executor NAME``.  The child inherits this process's environment
    (TASKLOOM_HOME, the TASKLOOM_CONN_* connections), so the run's DB and logs are read here.
    """

    def run(dag_id: str, folder: Path | None = None, *args: str) -> DagRunResult:
        folder = folder or Path(importlib.import_module(EXAMPLE_DAGS).__path__[0])
        rest = list(args)
        executor = None
        if "--executor" in rest:
            i = rest.index("--executor")
            executor = rest[i + 1]
            del rest[i : i + 2]
        assert len(rest) <= 1, f"unexpected dags test arguments: {args}"
        logical_date = rest[0] if rest else None
        o = run_dags_test(folder, dag_id, logical_date=logical_date, executor=executor)
        return DagRunResult(o.returncode, o.output, o.run_id, o.task_states(), o.xcoms(), o.logs())

    return run
