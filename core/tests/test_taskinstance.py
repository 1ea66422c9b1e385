"""Tests for the task runner and taskloom.models.taskinstance: outcomes, retries, callbacks, mails."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import runtime_helpers
from runtime_helpers import DAGS
from runtime_helpers import query
from runtime_helpers import run_cli
from runtime_helpers import task_states

from taskloom import configuration
from taskloom import store
from taskloom.dag_processing import DagBag
from taskloom.execution.task_runner import run_task
from taskloom.models import dagrun
from taskloom.models import taskinstance
from taskloom.utils.log import log_path

CONTROL = str(DAGS / "control.py")


@pytest.fixture
def control_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, str | None]:
    """Run the 'control' DAG once through `dags test`, mails going to the recording backend."""
    monkeypatch.setenv("TASKLOOM__EMAIL__EMAIL_BACKEND", "runtime_helpers.record_mail")
    runtime_helpers.SENT_MAILS.clear()
    code, _, _ = run_cli(capsys, "dags", "test", "control", "2024-01-01", "-S", CONTROL)
    assert code == 1
    return task_states("control")


def _log(task_id: str, attempt: int = 1) -> str:
    run_id = query("SELECT run_id FROM dag_run")[0][0]
    return log_path("control", run_id, task_id, attempt).read_text()


def _callbacks() -> list[dict[str, str]]:
    path = configuration.home() / "callbacks.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_execution_timeout_fails_the_try(control_run: dict[str, str | None]) -> None:
    """A task running past execution_timeout fails with TaskloomTaskTimeout, its callback sees it."""
    assert control_run["timeout"] == "failed"
    assert "TaskloomTaskTimeout: task 'timeout' ran longer than its execution_timeout" in _log(
        "timeout"
    )
    failure = [c for c in _callbacks() if c["callback"] == "failure"]
    assert failure == [
        {"callback": "failure", "task_id": "timeout", "exception": failure[0]["exception"]}
    ]
    assert "TaskloomTaskTimeout" in failure[0]["exception"]


def test_skip_exception_skips_downstream(control_run: dict[str, str | None]) -> None:
    """TaskloomSkipException marks the task skipped, and all_success downstream is skipped too."""
    assert control_run["skip"] == "skipped"
    assert control_run["after_skip"] == "skipped"
    assert "Skipped: nothing to do today" in _log("skip")


def test_broken_callback_is_logged_not_fatal(control_run: dict[str, str | None]) -> None:
    """A callback that raises is logged; the next callback still runs and the task stays success."""
    assert control_run["callbacks"] == "success"
    assert "RuntimeError: the callback itself is broken" in _log("callbacks")
    assert {"callback": "success", "task_id": "callbacks", "exception": None} in _callbacks()


def test_secrets_are_masked_in_logs_and_errors(control_run: dict[str, str | None]) -> None:
    """A registered secret never reaches the log file, neither in prints nor tracebacks."""
    text = _log("secret")
    assert "hunter2-very-secret" not in text
    assert "connecting with password ***" in text
    assert "login failed for password ***" in text


def test_retry_and_failure_mails(control_run: dict[str, str | None]) -> None:
    """email_on_retry and email_on_failure send through the configured backend, once per try."""
    assert control_run["mailer"] == "failed"
    subjects = [mail["subject"] for mail in runtime_helpers.SENT_MAILS]
    assert any(s.startswith("taskloom retry: control.mailer") for s in subjects)
    assert any(s.startswith("taskloom failure: control.mailer") for s in subjects)
    assert all(mail["to"] == ["ops@example.com"] for mail in runtime_helpers.SENT_MAILS)
    assert "RuntimeError: flaky upstream" in str(runtime_helpers.SENT_MAILS[0]["html_content"])
    assert [c["callback"] for c in _callbacks() if c["task_id"] == "mailer"] == ["retry"]


def test_missing_mail_backend_is_logged(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backend that cannot be imported is logged with the fix; the task state is unchanged."""
    monkeypatch.setenv("TASKLOOM__EMAIL__EMAIL_BACKEND", "taskloom_no_such_dist.mail.send")
    run_cli(capsys, "dags", "test", "control", "2024-01-01", "-S", CONTROL)
    assert task_states("control")["mailer"] == "failed"
    text = _log("mailer", 2)
    assert "cannot load the email backend 'taskloom_no_such_dist.mail.send'" in text
    assert "fix [email] email_backend" in text


def test_reschedule_keeps_the_try_number(capsys: pytest.CaptureFixture[str]) -> None:
    """A sensor in reschedule mode pokes in several short runs of one try, then succeeds."""
    code, out, _ = run_cli(capsys, "dags", "test", "sensing", "-S", CONTROL)
    assert code == 0
    assert out.count("up_for_reschedule") == 2
    row = query(
        "SELECT try_number, first_attempt_started_at, start_date FROM task_instance WHERE task_id = 'wait'"
    )[0]
    assert row["try_number"] == 1
    assert row["first_attempt_started_at"] < row["start_date"]
    assert (configuration.home() / "pokes").read_text() == "3"


def test_run_task_api_and_ti_accessors() -> None:
    """run_task records a try; the TaskInstance row reads back with its state and dates."""
    dag = DagBag(DAGS / "basic.py").dags["xcom_flow"]
    conn = store.connect()
    run = dagrun.create(
        conn,
        dag,
        logical_date=datetime(2024, 5, 1, tzinfo=UTC),
        data_interval=None,
        run_type="manual",
    )
    # What the scheduler does before handing the workload over: a try starts only from queued.
    with conn.transaction():
        conn.execute("UPDATE task_instance SET state = 'queued' WHERE task_id = 'produce'")
    result = run_task(conn, dag.get_task("produce"), run)
    assert (result.state, result.try_number, result.error) == ("success", 1, None)
    ti = taskinstance.get(conn, "xcom_flow", run.run_id, "produce")
    assert ti is not None
    assert (ti.state, ti.try_number) == ("success", 1)
    assert ti.end_date is not None
    assert ti.start_date is not None
    assert ti.end_date - ti.start_date < timedelta(seconds=30)
    assert ti.xcom_pull(task_ids="produce") == {"n": 21}
    assert ti.xcom_pull(task_ids=["produce", "consume"]) == [{"n": 21}, None]
    assert [t.task_id for t in taskinstance.for_run(conn, "xcom_flow", run.run_id)] == [
        "consume",
        "produce",
    ]
    conn.close()


def test_log_file_layout(control_run: dict[str, str | None]) -> None:
    """Each try has its own file under logs/dag_id=/run_id=/task_id=/attempt=<n>.log."""
    run_id = query("SELECT run_id FROM dag_run")[0][0]
    folder = (
        configuration.home() / "logs" / "dag_id=control" / f"run_id={run_id}" / "task_id=mailer"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["attempt=1.log", "attempt=2.log"]
