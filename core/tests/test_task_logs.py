"""Tests for taskloom.utils.log: one file per try, the settings, and what failures append."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from provider_envs import install_into_site
from provider_envs import provider_site
from runtime_helpers import query
from runtime_helpers import run_cli

from taskloom import configuration
from taskloom.utils.log import TaskLogWriter
from taskloom.utils.log import attempts
from taskloom.utils.log import log_path

PROVIDER_DAG = """
from datetime import datetime
from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator
from taskloom.providers.fixture_good.hooks.good import GoodHook

with DAG("uses_provider", start_date=datetime(2024, 1, 1)):
    PythonOperator(task_id="call", python_callable=lambda: GoodHook().fail())
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A site directory with the fixture_good provider installed (real dist-info metadata)."""
    for root in provider_site(tmp_path, monkeypatch):
        install_into_site(root, "good")
        yield root


def test_layout_and_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Logs live under $TASKLOOM_HOME/logs by default and under [logging] base_log_folder when set."""
    assert log_path("d", "manual__2024-01-01T00:00:00+00:00", "t", 2) == (
        configuration.home()
        / "logs"
        / "dag_id=d"
        / "run_id=manual__2024-01-01T00:00:00+00:00"
        / "task_id=t"
        / "attempt=2.log"
    )
    monkeypatch.setenv("TASKLOOM__LOGGING__BASE_LOG_FOLDER", str(tmp_path / "elsewhere"))
    assert (
        log_path("d", "r/../x", "t", 1)
        == tmp_path / "elsewhere" / "dag_id=d" / "run_id=r%2F..%2Fx" / "task_id=t" / "attempt=1.log"
    )


def test_writer_masks_secrets_and_lists_attempts() -> None:
    """The task logger filters secrets; write_raw redacts too; attempts() lists the tries."""
    from taskloom.utils.secrets_masker import mask_secret

    mask_secret("s3cr3t-token-value")
    for attempt in (1, 2):
        writer = TaskLogWriter("d", "r", "t", attempt)
        writer.logger.info("token is %s", "s3cr3t-token-value")
        writer.write_raw("Traceback: s3cr3t-token-value")
        writer.close()
    text = log_path("d", "r", "t", 2).read_text()
    assert "s3cr3t-token-value" not in text
    assert "token is ***" in text
    assert "Traceback: ***" in text
    assert attempts("d", "r", "t") == [1, 2]
    assert attempts("d", "r", "missing") == []


def test_provider_failure_points_at_the_provider(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A task failing in provider code ends its log and the CLI output with the provider's report line."""
    dag_file = tmp_path / "uses_provider.py"
    dag_file.write_text(PROVIDER_DAG)
    code, out, _ = run_cli(capsys, "dags", "test", "uses_provider", "-S", str(dag_file))
    assert code == 1
    line = "This error came from taskloom-provider-fixture-good 1.0.0; report it at https://example.invalid/issues/fixture_good"
    assert line in out
    run_id = query("SELECT run_id FROM dag_run")[0][0]
    text = log_path("uses_provider", run_id, "call", 1).read_text()
    assert "RuntimeError: fixture_good hook failed on purpose" in text
    assert text.rstrip().endswith(line)


def test_user_code_failure_has_no_provider_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failure in the DAG's own code names no provider."""
    dag_file = tmp_path / "plain.py"
    dag_file.write_text(
        "from datetime import datetime\nfrom taskloom.models.dag import DAG\n"
        "from taskloom.operators.python import PythonOperator\n"
        "with DAG('plain', start_date=datetime(2024, 1, 1)):\n"
        "    PythonOperator(task_id='boom', python_callable=lambda: 1 / 0)\n"
    )
    code, out, _ = run_cli(capsys, "dags", "test", "plain", "-S", str(dag_file))
    assert code == 1
    assert "ZeroDivisionError: division by zero" in out
    assert "This error came from" not in out


def test_hook_and_library_logs_reach_the_task_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """INFO records of other loggers (a hook's, a client library's) land in the task log, masked."""
    dag_file = tmp_path / "chatty.py"
    dag_file.write_text(
        "import logging\nfrom datetime import datetime\nfrom taskloom.models.dag import DAG\n"
        "from taskloom.operators.python import PythonOperator\n"
        "from taskloom.utils.secrets_masker import mask_secret\n"
        "def work():\n"
        "    mask_secret('hunter2-s3cret')\n"
        "    logging.getLogger('some.client.library').info('connected with hunter2-s3cret')\n"
        "    logging.getLogger('some.client.library').debug('too chatty to keep')\n"
        "with DAG('chatty', start_date=datetime(2024, 1, 1)):\n"
        "    PythonOperator(task_id='work', python_callable=work)\n"
    )
    code, _, _ = run_cli(capsys, "dags", "test", "chatty", "-S", str(dag_file))
    assert code == 0
    run_id = query("SELECT run_id FROM dag_run")[0][0]
    text = log_path("chatty", run_id, "work", 1).read_text()
    assert "connected with ***" in text
    assert "hunter2-s3cret" not in text
    assert "too chatty to keep" not in text
    root_handlers = logging.getLogger().handlers
    assert not any(
        getattr(h, "baseFilename", None) == str(log_path("chatty", run_id, "work", 1))
        for h in root_handlers
    )
