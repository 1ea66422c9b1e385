"""Task logs in S3 (``[logging] remote_base_log_folder = s3://...``), against the moto server.

The end-to-end tests run a DAG with ``taskloom dags test -x local`` (the task runs in a
worker process of that command) and read its logs with ``taskloom tasks logs`` from a
second ``TASKLOOM_HOME`` that shares only the metadata DB, as another machine would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from taskloom.exceptions import TaskLogHandlerError
from taskloom.providers.amazon.hooks.s3 import S3Hook
from taskloom.providers.amazon.log.s3_task_handler import S3TaskLogHandler
from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.dagrun import run_dags_test
from taskloom_testing.moto import SECRET_ACCESS_KEY
from taskloom_testing.moto import MotoServer

#: The password of the connection the task reads; it must never reach a log.
APP_PASSWORD = "app-db-password-never-logged"
LOG_PREFIX = "task-logs"

DAG = """
import os
import time
from datetime import datetime
from pathlib import Path

from taskloom.hooks.base import BaseHook
from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator


def talk():
    conn = BaseHook.get_connection("app_db")
    print(f"connecting with password {conn.password}")
    print("first part of a long task")
    release = Path(os.environ["RELEASE_FILE"])
    deadline = time.monotonic() + 120
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    print("second part, after the release file")


with DAG("remote_logs", start_date=datetime(2026, 1, 1), schedule=None):
    PythonOperator(task_id="talk", python_callable=talk)
"""


@pytest.fixture
def dag_file(tmp_path: Path) -> Path:
    path = tmp_path / "dags" / "remote_logs.py"
    path.parent.mkdir()
    path.write_text(DAG)
    return path


@pytest.fixture
def worker_env(
    bucket: str,
    aws: MotoServer,
    taskloom_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """This process's environment is the worker machine's: logs go to S3 in 1-second chunks.

    :returns: the release file the DAG's task waits for.
    """
    monkeypatch.setenv("TASKLOOM__LOGGING__REMOTE_BASE_LOG_FOLDER", f"s3://{bucket}/{LOG_PREFIX}")
    monkeypatch.setenv("TASKLOOM__LOGGING__REMOTE_LOG_STREAM_INTERVAL", "1")
    monkeypatch.setenv(
        "TASKLOOM_CONN_APP_DB", f"postgres://app:{APP_PASSWORD}@db.example.com:5432/app"
    )
    release = tmp_path / "release"
    monkeypatch.setenv("RELEASE_FILE", str(release))
    return release


def reader(
    taskloom_home: Path, tmp_path: Path, *, remote: str | None
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``taskloom ARGS`` run from another machine: its own home, the same metadata DB and S3."""
    other_home = tmp_path / "reader-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKLOOM__LOGGING__")}
    env.update(
        TASKLOOM_HOME=str(other_home),
        TASKLOOM__DATABASE__URL=f"sqlite:///{taskloom_home / 'taskloom.db'}",
    )
    env.pop("TASKLOOM_CONN_APP_DB", None)
    if remote is not None:
        env["TASKLOOM__LOGGING__REMOTE_BASE_LOG_FOLDER"] = remote

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "taskloom", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


def _keys(bucket: str) -> list[str]:
    return S3Hook().list_keys(bucket, prefix=f"{LOG_PREFIX}/")


def test_log_streams_to_s3_and_is_read_from_another_machine(
    dag_file: Path, worker_env: Path, bucket: str, taskloom_home: Path, tmp_path: Path
) -> None:
    """While the task runs its log is read back from S3 in chunks; when it ends, whole; never a secret."""
    read = reader(taskloom_home, tmp_path, remote=f"s3://{bucket}/{LOG_PREFIX}")
    seen_while_running: list[str] = []
    chunk_keys: list[str] = []

    def while_running(process: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            result = read("tasks", "logs", "remote_logs", "talk")
            if "first part of a long task" in result.stdout:
                seen_while_running.append(result.stdout)
                chunk_keys.extend(k for k in _keys(bucket) if ".chunks/" in k)
                break
            time.sleep(0.5)
        worker_env.touch()

    outcome = run_dags_test(
        dag_file,
        "remote_logs",
        logical_date="2026-01-02",
        executor="local",
        while_running=while_running,
    )
    assert outcome.returncode == 0, outcome.output
    assert seen_while_running, "the running task's log never showed up in S3"
    assert chunk_keys, "the running task's log was not stored in chunks"
    assert "second part" not in seen_while_running[0]

    key = f"{LOG_PREFIX}/dag_id=remote_logs/run_id={outcome.run_id}/task_id=talk/attempt=1.log"
    assert _keys(bucket) == [key], "the final log replaces its chunks"
    result = read("tasks", "logs", "remote_logs", "talk", outcome.run_id)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "reader-home" / "logs").exists(), "the reader read S3, not a local file"
    local = (taskloom_home / "logs").joinpath(*key.split("/")[1:]).read_text()
    assert result.stdout == local
    assert "connecting with password ***" in result.stdout
    assert "second part, after the release file" in result.stdout
    assert "Marked talk as success" in result.stdout
    for text in (result.stdout, S3Hook().read_key(key, bucket), outcome.output):
        assert APP_PASSWORD not in text
        assert SECRET_ACCESS_KEY not in text


def test_a_log_in_neither_place_says_where_it_looked(
    dag_file: Path, worker_env: Path, bucket: str, taskloom_home: Path, tmp_path: Path
) -> None:
    """Asking another machine for a log that was never written names the folder and the S3 URL."""
    worker_env.touch()
    outcome = run_dags_test(dag_file, "remote_logs", logical_date="2026-01-02", executor="local")
    assert outcome.returncode == 0, outcome.output
    read = reader(taskloom_home, tmp_path, remote=f"s3://{bucket}/{LOG_PREFIX}")
    result = read("tasks", "logs", "remote_logs", "no_such_task", outcome.run_id)
    assert result.returncode != 0
    folder = f"dag_id=remote_logs/run_id={outcome.run_id}/task_id=no_such_task"
    assert f"s3://{bucket}/{LOG_PREFIX}/{folder}/" in result.stderr
    assert str(tmp_path / "reader-home" / "logs" / folder) in result.stderr
    without_remote = reader(taskloom_home, tmp_path, remote=None)(
        "tasks", "logs", "remote_logs", "talk"
    )
    assert without_remote.returncode != 0
    assert "s3://" not in without_remote.stderr
    wrong_bucket = reader(taskloom_home, tmp_path, remote="s3://no-such-bucket/logs")
    result = wrong_bucket("tasks", "logs", "remote_logs", "talk")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot list the task logs at s3://no-such-bucket/logs/dag_id=remote_logs/run_id={outcome.run_id}"
        "/task_id=talk/: NoSuchBucket: The specified bucket does not exist; connection 'aws_default'"
    ]


def _failure_lines(outcome: DagRunOutcome) -> list[str]:
    return [line for line in outcome.logs().splitlines() if "remote task log:" in line]


def test_a_missing_bucket_keeps_the_task_outcome_and_the_local_log(
    dag_file: Path, worker_env: Path, aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bucket that does not exist: the task still succeeds, and its local log ends with one clear line."""
    monkeypatch.setenv("TASKLOOM__LOGGING__REMOTE_BASE_LOG_FOLDER", "s3://no-such-bucket/logs")
    worker_env.touch()
    outcome = run_dags_test(dag_file, "remote_logs", logical_date="2026-01-02", executor="local")
    assert outcome.returncode == 0, outcome.output
    assert outcome.task_states() == {"talk": "success"}
    lines = _failure_lines(outcome)
    assert len(lines) == 1, outcome.logs()
    assert "could not store s3://no-such-bucket/logs/dag_id=remote_logs/" in lines[0]
    assert (
        "(NoSuchBucket: The specified bucket does not exist; connection 'aws_default');" in lines[0]
    )
    assert "the log stays on this machine at " in lines[0]
    assert "second part, after the release file" in outcome.logs()
    assert sum("remote task log:" in line for line in outcome.output.splitlines()) == 1


def test_refused_credentials_keep_the_task_outcome_and_leak_nothing(
    dag_file: Path, worker_env: Path, aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credentials S3 refuses: one line naming the connection to fix; the task succeeds; no secret shown."""
    wrong = "wrong-log-secret-that-must-not-leak"
    monkeypatch.setenv("TASKLOOM__LOGGING__REMOTE_LOG_CONN_ID", "log_store")
    monkeypatch.setenv(
        "TASKLOOM_CONN_LOG_STORE", aws.connection_json().replace(SECRET_ACCESS_KEY, wrong)
    )
    worker_env.touch()
    with aws.authentication():
        outcome = run_dags_test(
            dag_file, "remote_logs", logical_date="2026-01-02", executor="local"
        )
    assert outcome.returncode == 0, outcome.output
    lines = _failure_lines(outcome)
    assert len(lines) == 1, outcome.logs()
    assert "; connection 'log_store')" in lines[0]
    assert "AWS refused the credentials of connection 'log_store'" in lines[0]
    for text in (outcome.logs(), outcome.output):
        assert wrong not in text
        assert APP_PASSWORD not in text


KILLED_DAG = """
import os
import signal
import time
from datetime import datetime

from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator


def die():
    print("the task's own line before it dies")
    time.sleep(2.5)  # long enough for a chunk to reach S3
    os.kill(os.getpid(), signal.SIGKILL)


with DAG("killed", start_date=datetime(2026, 1, 1), schedule=None):
    PythonOperator(task_id="die", python_callable=die)
"""


def test_a_killed_try_keeps_its_lines_and_the_note_of_its_death(
    worker_env: Path, bucket: str, taskloom_home: Path, tmp_path: Path
) -> None:
    """A worker killed mid-task: the S3 log holds the task's streamed lines and the
    scheduler's note, as one final object readable from another machine."""
    dag_file = tmp_path / "dags" / "killed.py"
    dag_file.parent.mkdir(exist_ok=True)
    dag_file.write_text(KILLED_DAG)
    outcome = run_dags_test(dag_file, "killed", logical_date="2026-01-02", executor="local")
    assert outcome.returncode != 0, outcome.output
    assert outcome.task_states() == {"die": "failed"}
    result = reader(taskloom_home, tmp_path, remote=f"s3://{bucket}/{LOG_PREFIX}")(
        "tasks", "logs", "killed", "die", outcome.run_id
    )
    assert result.returncode == 0, result.stderr
    assert "the task's own line before it dies" in result.stdout
    assert "Task died:" in result.stdout
    assert not [k for k in _keys(bucket) if ".chunks/" in k], "the final log replaces the chunks"


def test_boto3_is_imported_only_when_s3_logs_are_configured(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task log written without the setting imports neither boto3 nor the handler; with it, both."""
    script = (
        "import sys\n"
        "from taskloom.utils.log import TaskLogWriter\n"
        "writer = TaskLogWriter('d', 'r', 't', 1)\n"
        "writer.logger.info('hello')\n"
        "writer.close()\n"
        "print(sorted(m for m in ('boto3', 'taskloom.providers.amazon.log.s3_task_handler') "
        "if m in sys.modules))\n"
    )

    def imported() -> str:
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    assert imported() == "[]"
    monkeypatch.setenv("TASKLOOM__LOGGING__REMOTE_BASE_LOG_FOLDER", f"s3://{bucket}/{LOG_PREFIX}")
    assert imported() == "['boto3', 'taskloom.providers.amazon.log.s3_task_handler']"
    assert _keys(bucket) == [f"{LOG_PREFIX}/dag_id=d/run_id=r/task_id=t/attempt=1.log"]


# --- the handler on its own ------------------------------------------------------------


def test_chunks_are_joined_until_the_final_log_replaces_them(bucket: str, tmp_path: Path) -> None:
    """read() joins the chunks in offset order; write_final() stores the whole log and drops them."""
    handler = S3TaskLogHandler(f"s3://{bucket}/nested/prefix/")
    path = "dag_id=d/run_id=r/task_id=t/attempt=1.log"
    assert handler.read(path) is None
    assert handler.list_logs("dag_id=d/run_id=r/task_id=t") == []
    handler.write_chunk(path, 0, b"line one\n")
    handler.write_chunk(path, 9, b"line two\n")
    assert handler.read(path) == b"line one\nline two\n"
    assert handler.list_logs("dag_id=d/run_id=r/task_id=t") == ["attempt=1.log"]
    local = tmp_path / "attempt=1.log"
    local.write_bytes(b"line one\nline two\nline three\n")
    handler.write_final(path, local)
    assert handler.read(path) == b"line one\nline two\nline three\n"
    assert S3Hook().list_keys(bucket, prefix="nested/") == [f"nested/prefix/{path}"]
    handler.write_chunk("dag_id=d/run_id=r/task_id=t/attempt=2.log", 0, b"retry\n")
    assert handler.list_logs("dag_id=d/run_id=r/task_id=t") == ["attempt=1.log", "attempt=2.log"]
    assert handler.location(path) == f"s3://{bucket}/nested/prefix/{path}"


def test_a_url_without_a_bucket_is_refused() -> None:
    """s3:// alone names no bucket: a one-line error saying how to write it."""
    with pytest.raises(TaskLogHandlerError, match=r"names no bucket; write it as s3://BUCKET"):
        S3TaskLogHandler("s3://")
