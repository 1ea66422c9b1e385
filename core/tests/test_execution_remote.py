"""What remote executors rely on: starting a try only from ``queued``, in-flight statuses
(taskloom.execution.remote) and routing a task to its queue (executors.base.task_queue)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from taskloom import db
from taskloom import providers_manager
from taskloom.exceptions import TaskNotQueuedError
from taskloom.execution.remote import task_statuses
from taskloom.execution.worker import execute_workload
from taskloom.execution.workload import Workload
from taskloom.executors.base import task_queue
from taskloom.models import dagrun
from taskloom.models.baseoperator import BaseOperator
from taskloom.models.dag import DAG
from taskloom.models.taskinstance import TaskInstanceKey
from taskloom.operators.python import PythonOperator
from taskloom.providers_manager import ProviderInfo
from taskloom.providers_manager import ProviderRegistry


def _value() -> int:
    return 7


@pytest.fixture
def dag() -> DAG:
    with DAG("remote", start_date=datetime(2026, 1, 1), schedule=None) as made:
        PythonOperator(task_id="one", python_callable=_value, retries=2)
        PythonOperator(task_id="two", python_callable=_value)
    made.fileloc = __file__
    return made


@pytest.fixture
def conn(taskloom_home: Path) -> Iterator[sqlite3.Connection]:
    connection = db.connect()
    yield connection
    connection.close()


def _set(conn: sqlite3.Connection, task_id: str, state: str, owner: str | None = None) -> None:
    with conn:
        conn.execute(
            "UPDATE task_instance SET state = ?, owner = ? WHERE task_id = ?",
            (state, owner, task_id),
        )


def test_a_try_starts_only_from_queued(dag: DAG, conn: sqlite3.Connection) -> None:
    """With only_if_queued, a queued task runs once; a second delivery is refused, nothing changes."""
    run = dagrun.create(conn, dag, logical_date=datetime(2026, 1, 2), run_type="manual")
    workload = Workload("remote", run.run_id, "one", __file__)
    with pytest.raises(TaskNotQueuedError) as refused:
        execute_workload(workload, {"remote": dag}, only_if_queued=True)
    assert refused.value.state is None
    _set(conn, "one", "queued")
    result = execute_workload(workload, {"remote": dag}, only_if_queued=True)
    assert (result.state, result.try_number) == ("success", 1)
    with pytest.raises(
        TaskNotQueuedError, match=r"'one' of run .* is success, not queued"
    ) as again:
        execute_workload(workload, {"remote": dag}, only_if_queued=True)
    assert again.value.state == "success"
    row = conn.execute(
        "SELECT state, try_number FROM task_instance WHERE task_id = 'one'"
    ).fetchone()
    assert tuple(row) == ("success", 1)


def test_statuses_say_what_ended_and_whose_process_died(dag: DAG, conn: sqlite3.Connection) -> None:
    """Ended tries carry their outcome; a running try of a dead process is marked dead."""
    run = dagrun.create(conn, dag, logical_date=datetime(2026, 1, 2), run_type="manual")
    _set(conn, "one", "queued")
    execute_workload(Workload("remote", run.run_id, "one", __file__), {"remote": dag})
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_owner = f"{os.uname().nodename}:{gone.stdout.strip()}:1"
    _set(conn, "two", "running", dead_owner)
    keys = [TaskInstanceKey("remote", run.run_id, t) for t in ("one", "two", "absent")]
    statuses = task_statuses(conn, keys)
    assert set(statuses) == set(keys[:2])
    one, two = statuses[keys[0]], statuses[keys[1]]
    assert (one.ended, one.owner_dead, one.as_result().state, one.as_result().try_number) == (
        True,
        False,
        "success",
        1,
    )
    assert (two.ended, two.owner_dead) == (False, True)
    from taskloom.execution.liveness import current_owner

    _set(conn, "two", "running", current_owner())
    assert task_statuses(conn, keys[1:2])[keys[1]].owner_dead is False


def test_task_queue_prefers_the_operator_then_the_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """queue= wins; else the queue of the operator's provider (or of the manifest-only
    provider it reads); else the executor's default."""
    acme = ProviderInfo(id="acme", name="Acme", description="Acme.", queue="acme-queue")
    monkeypatch.setattr(providers_manager, "_registry", ProviderRegistry.for_testing(acme))

    class AcmeOperator(BaseOperator):
        pass

    AcmeOperator.__module__ = "taskloom.providers.acme.operators.acme"

    class ReadsAcme(BaseOperator):
        provider = "acme"

    with DAG("queues", start_date=datetime(2026, 1, 1), schedule=None):
        plain = BaseOperator(task_id="plain")
        chosen = AcmeOperator(task_id="chosen", queue="gpu")
        acme_task = AcmeOperator(task_id="acme_task")
        reader = ReadsAcme(task_id="reader")
    assert task_queue(plain, "fallback") == "fallback"
    assert task_queue(chosen, "fallback") == "gpu"
    assert task_queue(acme_task, "fallback") == "acme-queue"
    assert task_queue(reader, "fallback") == "acme-queue"
