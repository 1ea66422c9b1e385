"""Fixtures of the Slack provider's tests: a recording HTTP server and connections to it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.dagrun import dags_test_runner
from taskloom_testing.http_recorder import HttpRecorder
from taskloom_testing.http_recorder import http_recorder  # noqa: F401  (fixture)

# The autouse taskloom_home fixture: a private TASKLOOM_HOME, no TASKLOOM_* settings of the caller.
pytest_plugins = ["taskloom_testing.home"]

#: The package of the example DAGs the tests run (from the installed wheel).
EXAMPLE_DAGS = "taskloom.providers.slack.example_dags"
#: The webhook token of the test connections (secret: tests check it never reaches a log).
WEBHOOK_TOKEN = "T0TASKLOOM/B0WEBHOOK/s3cretW3bhookT0ken"
#: The bot token of the test API connections.
BOT_TOKEN = "xoxb-taskloom-s3cret-b0t-t0ken"


@pytest.fixture
def webhook_conn(
    http_recorder: HttpRecorder,  # noqa: F811 (the fixture imported above)
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., str]:
    """Define a ``slack_webhook`` connection to the recorder; return the webhook's path."""

    def define(conn_id: str = "slack_default", **extra: object) -> str:
        fields = {
            "conn_type": "slack_webhook",
            "host": http_recorder.host,
            "port": http_recorder.port,
            "schema": "http",
            "password": WEBHOOK_TOKEN,
            "extra": extra,
        }
        monkeypatch.setenv(f"TASKLOOM_CONN_{conn_id.upper()}", json.dumps(fields))
        return f"/services/{WEBHOOK_TOKEN}"

    return define


@pytest.fixture
def api_conn(
    http_recorder: HttpRecorder,  # noqa: F811 (the fixture imported above)
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., None]:
    """Define a ``slack`` (Web API) connection whose base URL is the recorder's ``/api/``."""

    def define(conn_id: str = "slack_api_default", **extra: object) -> None:
        fields = {
            "conn_type": "slack",
            "password": BOT_TOKEN,
            "extra": {"base_url": f"{http_recorder.url}/api/", **extra},
        }
        monkeypatch.setenv(f"TASKLOOM_CONN_{conn_id.upper()}", json.dumps(fields))

    return define


@pytest.fixture
def run_dag(taskloom_home: Path) -> Callable[..., DagRunOutcome]:
    """``run_dag(dag_id, folder=None, *args)``; see ``taskloom_testing.dagrun.dags_test_runner``."""
    return dags_test_runner(EXAMPLE_DAGS)
