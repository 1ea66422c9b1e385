"""Fixtures of the SMTP provider's tests: real aiosmtpd servers, and connections to them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.dagrun import dags_test_runner
from taskloom_testing.smtp import SmtpServer
from taskloom_testing.smtp import smtp_server  # noqa: F401  (fixture)
from taskloom_testing.smtp import smtp_ssl_server  # noqa: F401  (fixture)
from taskloom_testing.smtp import smtp_starttls_server  # noqa: F401  (fixture)

# The autouse taskloom_home fixture: a private TASKLOOM_HOME, no TASKLOOM_* settings of the caller.
pytest_plugins = ["taskloom_testing.home"]

#: The package of the example DAGs the tests run (from the installed wheel).
EXAMPLE_DAGS = "taskloom.providers.smtp.example_dags"
#: The sender the test connections use.
SENDER = "taskloom@example.com"


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


@pytest.fixture
def run_dag(taskloom_home: Path) -> Callable[..., DagRunOutcome]:
    """``run_dag(dag_id, folder=None, *args)``; see ``taskloom_testing.dagrun.dags_test_runner``."""
    return dags_test_runner(EXAMPLE_DAGS)
