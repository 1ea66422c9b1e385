"""What remote executors rely on: in-flight statuses (taskloom.execution.remote) and routing
a task to its queue (executors.base.task_queue)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from taskloom import providers_manager
from taskloom import store
from taskloom.execution import heartbeat
from taskloom.execution.liveness import current_owner
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
from taskloom.utils.dates import utcnow


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
def conn(taskloom_home: Path) -> Iterator[store.Connection]:
    connection = store.connect()
    yield connection
    connection.close()


def _set(
    conn: store.Connection,
    task_id: str,
    state: str,
    owner: str | None = None,
    heartbeat_at: str | None = None,
) -> None:
    with conn.transaction():
        conn.execute(
            "UPDATE task_instance SET state = ?, owner = ?, last_heartbeat = ? WHERE task_id = ?",
            (state, owner, heartbeat_at, task_id),
        )


def test_statuses_say_what_ended_and_which_tries_are_dead(dag: DAG, conn: store.Connection) -> None:
    """Ended tries carry their outcome; a running try is dead when its process is gone from
    this host or it stopped heartbeating (core's rule), alive otherwise."""
    run = dagrun.create(conn, dag, logical_date=datetime(2026, 1, 2), run_type="manual")
    _set(conn, "one", "queued")
    execute_workload(Workload("remote", run.run_id, "one", __file__), {"remote": dag})
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    now = utcnow().isoformat()
    _set(conn, "two", "running", f"{socket.gethostname()}:{gone.stdout.strip()}:1", now)
    keys = [TaskInstanceKey("remote", run.run_id, t) for t in ("one", "two", "absent")]
    statuses = task_statuses(conn, keys)
    assert set(statuses) == set(keys[:2])
    one, two = statuses[keys[0]], statuses[keys[1]]
    assert (one.ended, one.dead, one.as_result().state, one.as_result().try_number) == (
        True,
        False,
        "success",
        1,
    )
    assert (two.ended, two.dead) == (False, True)
    _set(conn, "two", "running", current_owner(), now)
    assert task_statuses(conn, keys[1:2])[keys[1]].dead is False
    # Alive here, but silent for longer than [scheduler] task_heartbeat_timeout: dead.
    stale = (utcnow() - timedelta(seconds=heartbeat.timeout() + 5)).isoformat()
    _set(conn, "two", "running", current_owner(), stale)
    assert task_statuses(conn, keys[1:2])[keys[1]].dead is True


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
