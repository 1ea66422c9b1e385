"""Tests for taskloom.executors: loading by setting, the sequential and local executors, dead workers."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from runtime_helpers import DAGS
from runtime_helpers import query
from runtime_helpers import run_cli
from runtime_helpers import task_states

from taskloom import configuration
from taskloom import providers_manager
from taskloom.exceptions import ConfigurationError
from taskloom.exceptions import ExecutorLoadError
from taskloom.executors import load_executor
from taskloom.executors.base import BaseExecutor
from taskloom.executors.local import LocalExecutor
from taskloom.executors.sequential import SequentialExecutor
from taskloom.providers_manager import ProviderInfo
from taskloom.providers_manager import ProviderRegistry
from taskloom.utils.log import log_path

CONTROL = str(DAGS / "control.py")
BASIC = str(DAGS / "basic.py")


class ProviderStyleExecutor(SequentialExecutor):
    """Stands for an executor a provider ships, named by its dotted path."""


def test_load_by_name_setting_and_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short names, [core] executor and dotted class paths all load; parallelism comes from settings."""
    assert isinstance(load_executor("sequential"), SequentialExecutor)
    monkeypatch.setenv("TASKLOOM__CORE__EXECUTOR", "local")
    monkeypatch.setenv("TASKLOOM__CORE__PARALLELISM", "3")
    executor = load_executor()
    assert isinstance(executor, LocalExecutor)
    assert executor.parallelism == 3
    assert isinstance(load_executor("test_executors.ProviderStyleExecutor"), ProviderStyleExecutor)


def test_load_errors_name_the_setting() -> None:
    """An unknown executor or a class that is not an executor is refused with the fix."""
    with pytest.raises(ExecutorLoadError, match=r"set \[core\] executor"):
        load_executor("taskloom.executors.kubernetes.KubernetesExecutor")
    with pytest.raises(ExecutorLoadError, match="not a BaseExecutor subclass"):
        load_executor("collections.OrderedDict")


def test_short_name_no_provider_declares_names_the_distribution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A provider executor's short name that nothing installed declares says what to install."""
    monkeypatch.setattr(providers_manager, "_registry", ProviderRegistry.for_testing())
    monkeypatch.setenv("TASKLOOM__CORE__EXECUTOR", "celery")
    with pytest.raises(ExecutorLoadError) as raised:
        load_executor()
    assert str(raised.value) == (
        "no installed provider declares the executor 'celery' ([core] executor / "
        "TASKLOOM__CORE__EXECUTOR); install it: pip install taskloom-provider-celery  "
        '(or: pip install "taskloom[celery]"); core\'s own are sequential, local'
    )
    with pytest.raises(ExecutorLoadError, match=r"'kubernetes'.*use the dotted path of its class"):
        load_executor("kubernetes")


def test_short_name_declared_by_a_provider_loads_its_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A short name a provider declares in provider.json selects the class it names."""
    info = ProviderInfo(
        id="acme",
        name="Acme",
        description="Acme executor.",
        executors=("test_executors.ProviderStyleExecutor",),
        executor_names={"acme": "test_executors.ProviderStyleExecutor"},
    )
    monkeypatch.setattr(providers_manager, "_registry", ProviderRegistry.for_testing(info))
    monkeypatch.setenv("TASKLOOM__CORE__EXECUTOR", "acme")
    assert isinstance(load_executor(), ProviderStyleExecutor)
    # Core's own names win: a provider cannot take them over.
    assert isinstance(load_executor("local", parallelism=1), LocalExecutor)


def test_default_parallelism_is_cpu_count() -> None:
    """Without a setting, parallelism is the number of CPUs."""
    assert BaseExecutor().parallelism == (os.cpu_count() or 1)


def test_local_executor_runs_a_dag(capsys: pytest.CaptureFixture[str]) -> None:
    """The local executor runs a DAG with XComs and retries in worker processes."""
    assert run_cli(capsys, "dags", "test", "xcom_flow", "-S", BASIC, "-x", "local")[0] == 0
    assert task_states("xcom_flow") == {"produce": "success", "consume": "success"}
    code, _, _ = run_cli(capsys, "dags", "test", "retries", "-S", BASIC, "-x", "local")
    assert code == 1
    assert task_states("retries")["flaky"] == "success"


def test_killed_worker_is_failed_retried_and_replaced(capsys: pytest.CaptureFixture[str]) -> None:
    """A worker killed by SIGKILL (as the OOM killer does) fails that try, the retry runs on a fresh worker."""
    code, out, _ = run_cli(capsys, "dags", "test", "crashing", "-S", CONTROL, "-x", "local")
    assert code == 1  # 'exits' has no retries left
    states = task_states("crashing")
    assert states == {
        "killed_once": "success",
        "exits": "failed",
        "after_exit": "upstream_failed",
        "bystander": "success",
    }
    assert "task died: the worker process was killed by SIGKILL" in out
    assert "task died: the worker process exited with status 3" in out
    assert query("SELECT try_number FROM task_instance WHERE task_id = 'killed_once'")[0][0] == 2


def test_local_executor_api_reports_dead_worker_directly() -> None:
    """Through the public API: sync() reports a workload whose worker vanished, with no result."""
    from taskloom.executors.base import Workload

    executor = LocalExecutor(parallelism=1)
    executor.start()
    try:
        # A workload whose DAG file does not exist: the worker reports it could not start.
        executor.queue(Workload("ghost", "run", "task", "/nonexistent/ghost.py"))
        events = []
        deadline = time.monotonic() + 30
        while not events and time.monotonic() < deadline:
            events = executor.sync(timeout=0.5)
        assert len(events) == 1
        assert events[0].result is None
        assert "could not start" in events[0].info
        worker = executor._workers[0].process
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
        worker.join(10)
        executor.queue(Workload("ghost", "run", "task2", "/nonexistent/ghost.py"))
        events = []
        deadline = time.monotonic() + 30
        while not events and time.monotonic() < deadline:
            events = executor.sync(timeout=0.5)
        assert len(events) == 1
        assert executor._workers[0].process.is_alive()
    finally:
        executor.end(terminate=True)


def test_local_worker_killed_before_starting_its_workload_runs_it_elsewhere() -> None:
    """A worker that dies before it starts the workload sent to it (stopped, then killed)
    does not have that workload reported as died: a fresh worker runs it."""
    from taskloom.executors.base import Workload

    executor = LocalExecutor(parallelism=1)
    executor.start()
    try:
        worker = executor._workers[0].process
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGSTOP)
        executor.queue(Workload("ghost", "run", "task", "/nonexistent/ghost.py"))
        os.kill(worker.pid, signal.SIGKILL)
        worker.join(10)
        events = []
        deadline = time.monotonic() + 30
        while not events and time.monotonic() < deadline:
            events = executor.sync(timeout=0.5)
        assert [(e.result, e.info.split(":")[0]) for e in events] == [(None, "could not start")]
        assert executor._workers[0].process.pid != worker.pid
    finally:
        executor.end(terminate=True)


TIMEOUTS = str(DAGS / "timeouts.py")


@pytest.mark.parametrize("executor", ["local", "sequential"])
def test_execution_timeout_kills_a_task_that_ignores_it(
    executor: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task that blocks SIGALRM (as one stuck in C code never sees it) is killed from
    outside after execution_timeout + grace: failed, its on_failure_callback run with the
    reason; an ordinary task still times out through SIGALRM; the run carries on."""
    monkeypatch.setenv("TASKLOOM__CORE__EXECUTION_TIMEOUT_GRACE_SECONDS", "1")
    started = time.monotonic()
    code, out, _ = run_cli(capsys, "dags", "test", "timeouts", "-S", TIMEOUTS, "-x", executor)
    elapsed = time.monotonic() - started
    assert code == 0  # the run's one leaf, 'after', succeeded
    assert task_states("timeouts") == {"stuck": "failed", "slow": "failed", "after": "success"}
    # 1 s timeout + 1 s grace each (the sequential executor runs them one after the other),
    # far from the tasks' 60 s sleep.
    assert elapsed < 20, elapsed
    killed = "killed: ran longer than its execution_timeout (0:00:01) and did not stop within 1 s"
    assert f"task died: {killed}" in out
    home = configuration.home()
    stuck = json.loads((home / "failed-stuck.json").read_text())
    assert "TaskProcessDiedError" in stuck["exception"]
    assert killed in stuck["exception"]
    slow = json.loads((home / "failed-slow.json").read_text())
    assert "TaskloomTaskTimeout" in slow["exception"]
    run_id = query("SELECT run_id FROM dag_run WHERE dag_id = 'timeouts'")[0][0]
    assert "TaskloomTaskTimeout: task 'slow' ran longer than its execution_timeout" in (
        log_path("timeouts", run_id, "slow", 1).read_text()
    )
    assert f"Task died: {killed}" in log_path("timeouts", run_id, "stuck", 1).read_text()


def test_grace_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKLOOM__CORE__EXECUTION_TIMEOUT_GRACE_SECONDS", "-1")
    with pytest.raises(ConfigurationError, match="execution_timeout_grace_seconds must be"):
        LocalExecutor()
    monkeypatch.setenv("TASKLOOM__CORE__EXECUTION_TIMEOUT_GRACE_SECONDS", "soon")
    with pytest.raises(ConfigurationError, match="must be a number"):
        SequentialExecutor()


def test_terminate_kills_the_running_task_and_drops_a_waiting_one() -> None:
    """terminate() (a run that timed out) kills the worker running the task -- a fresh one
    replaces it -- and drops a workload no worker has yet; sync() reports both as died."""
    from datetime import UTC
    from datetime import datetime

    from taskloom import store
    from taskloom.dag_processing import DagBag
    from taskloom.executors.base import Workload
    from taskloom.models import dagrun

    bag = DagBag(TIMEOUTS)
    conn = store.connect()
    try:
        dag = bag.dags["long_task"]
        first = dagrun.create(
            conn, dag, logical_date=datetime(2024, 1, 1, tzinfo=UTC), run_type="manual"
        )
        second = dagrun.create(
            conn, dag, logical_date=datetime(2024, 1, 2, tzinfo=UTC), run_type="manual"
        )
        with conn.transaction():  # as the scheduler queues them (a try starts only from queued)
            conn.execute("UPDATE task_instance SET state = 'queued' WHERE dag_id = 'long_task'")
    finally:
        conn.close()
    executor = LocalExecutor(parallelism=1)
    executor.dags.update(bag.dags)
    executor.start()
    try:
        running = Workload("long_task", first.run_id, "sleep", TIMEOUTS)
        executor.queue(running)
        waiting = Workload("long_task", second.run_id, "sleep", TIMEOUTS)
        for n in range(2):  # fill the worker's prefetch, so the third waits in the executor
            executor.queue(Workload("long_task", f"ghost-{n}", "sleep", TIMEOUTS))
        executor.queue(waiting)
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline
            and query("SELECT state FROM task_instance WHERE run_id = ?", first.run_id)[0][0]
            != "running"
        ):
            executor.sync(timeout=0.1)
        worker = executor._workers[0].process
        started = time.monotonic()
        executor.terminate(waiting.key, "timed_out: test")
        executor.terminate(running.key, "timed_out: test")
        events = {}
        while len(events) < 2 and time.monotonic() < deadline:
            events.update({e.key: e for e in executor.sync(timeout=0.5)})
        assert time.monotonic() - started < 10
        assert (events[running.key].result, events[running.key].info) == (
            None,
            "killed: timed_out: test",
        )
        assert (events[waiting.key].result, events[waiting.key].info) == (
            None,
            "not started: timed_out: test",
        )
        assert not worker.is_alive()
        assert executor._workers[0].process.is_alive()
        assert waiting.key not in executor.running
    finally:
        executor.end(terminate=True)


@pytest.mark.parametrize("make", [LocalExecutor, SequentialExecutor])
def test_idle_sync_waits_instead_of_spinning(make: type[BaseExecutor]) -> None:
    """With nothing queued, sync(timeout) waits the timeout (an idle scheduler's loop must
    sleep, not spin and take the CPU of the schedulers that work) and reports nothing."""
    executor = make(parallelism=1)
    executor.start()
    try:
        started = time.monotonic()
        assert executor.sync(timeout=0.3) == []
        assert time.monotonic() - started >= 0.29
        started = time.monotonic()
        assert executor.sync(timeout=0.0) == []
        assert time.monotonic() - started < 0.25
    finally:
        executor.end(terminate=True)
