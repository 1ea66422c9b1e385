"""The faults Airflow's Celery users meet most: dead workers, stuck queues, broker and scheduler restarts.

Each test breaks a real deployment (Redis, worker processes, the scheduler) and checks
that no task is left ``queued`` or ``running``, none is lost and none runs twice.
"""

from __future__ import annotations

import fcntl
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import Deployment
from conftest import wait_for


def _callbacks(deployment: Deployment) -> list[list[str]]:
    path = deployment.dags / "callbacks.txt"
    return [line.split("\t") for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("victim", ["worker", "task process"])
def test_a_worker_killed_mid_task_fails_or_retries_the_try(
    deployment: Deployment, victim: str
) -> None:
    """kill -9 of the worker (or of the task's process): the try is seen dead, retried or failed, callbacks run."""
    worker = deployment.worker("doomed", queues="victim", concurrency=2)

    def kill_when_both_run(process: subprocess.Popen[str]) -> None:
        wait_for(lambda: len(deployment.records()) == 2, 60, "both tasks to start")
        if victim == "worker":
            worker.kill(signal.SIGKILL)
            # The retry needs a worker serving the queue: a new machine takes over.
            deployment.worker("replacement", queues="victim", concurrency=2)
        else:
            for pid in worker.task_process_ids():
                subprocess.run(["kill", "-9", str(pid)], check=True)

    outcome = deployment.dags_test("killed", while_running=kill_when_both_run, timeout=120)
    assert outcome.returncode == 1, outcome.output  # the run failed: "doomed" had no retries
    assert outcome.task_states() == {"retried": "success", "doomed": "failed"}
    tries = Counter((task_id, try_number) for task_id, try_number, *_ in deployment.records())
    assert tries == {("retried", "1"): 1, ("doomed", "1"): 1, ("retried", "2"): 1}
    callbacks = sorted((kind, task_id, exc) for kind, task_id, exc, _ in _callbacks(deployment))
    assert callbacks == [
        ("failure", "doomed", "TaskProcessDiedError"),
        ("retry", "retried", "TaskProcessDiedError"),
    ]


def test_a_queue_nobody_serves_fails_after_queued_timeout(deployment: Deployment) -> None:
    """A task on a queue without workers fails after [celery] queued_timeout, naming the queue."""
    deployment.settings["TASKLOOM__CELERY__QUEUED_TIMEOUT"] = "3"
    deployment.worker("other", queues="default")
    started = time.monotonic()
    outcome = deployment.dags_test("unserved", timeout=60)
    assert time.monotonic() - started < 30
    assert outcome.returncode == 1, outcome.output
    assert outcome.task_states() == {"lonely": "failed"}
    assert deployment.records() == []
    expected = (
        "no Celery worker took it from queue 'nobody' within [celery] queued_timeout (3 s); "
        "start one that serves it: taskloom celery worker --queues nobody"
    )
    assert expected in outcome.logs()
    assert [row[:3] for row in _callbacks(deployment)] == [
        ["failure", "lonely", "TaskProcessDiedError"]
    ]
    # A worker for the queue started later does not run the expired message.
    deployment.worker("late", queues="nobody")
    time.sleep(2)
    assert deployment.records() == []


def _lock_is_free(path: Path) -> bool:
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(fh, fcntl.LOCK_UN)
        return True


def _exactly_once(deployment: Deployment, expected: int) -> None:
    counts = Counter(task_id for task_id, *_ in deployment.records())
    assert len(counts) == expected
    assert {task_id: n for task_id, n in counts.items() if n != 1} == {}


def test_a_broker_restart_mid_load_loses_nothing_and_runs_nothing_twice(
    deployment: Deployment,
) -> None:
    """Redis killed and restarted while 80 tasks flow: every task runs exactly once."""
    deployment.worker("one", concurrency=2)
    deployment.worker("two", concurrency=2)

    def restart_broker(process: subprocess.Popen[str]) -> None:
        wait_for(lambda: len(deployment.records()) >= 15, 60, "15 tasks to run")
        deployment.broker.restart(down_for=2.0)

    outcome = deployment.dags_test("load", while_running=restart_broker, timeout=180)
    assert outcome.returncode == 0, outcome.output
    assert set(outcome.task_states().values()) == {"success"}
    _exactly_once(deployment, 80)


def test_a_killed_scheduler_s_queued_tasks_are_adopted_not_duplicated(
    deployment: Deployment,
) -> None:
    """kill -9 of the scheduler with tasks queued in the broker: the next scheduler adopts
    the run and sends them again, and every task still runs exactly once."""
    first_worker = deployment.worker("one", concurrency=2)
    env = deployment.env(deployment.home)
    taskloom = [sys.executable, "-m", "taskloom"]
    log_path = deployment.root / "scheduler.log"

    def cli(*args: str) -> str:
        done = subprocess.run(
            [*taskloom, *args], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def scheduler() -> subprocess.Popen[bytes]:
        with log_path.open("ab") as log:
            return subprocess.Popen(
                [*taskloom, "scheduler", "-S", str(deployment.dags)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def run_state() -> str:
        (run,) = json.loads(cli("dags", "state", "load", "--output", "json"))
        return str(run["state"])

    cli("dags", "trigger", "load", "-S", str(deployment.dags), "-r", "adopted")
    first = scheduler()
    try:
        wait_for(lambda: len(deployment.records()) >= 5, 60, "5 tasks to run")
        # The only worker goes away (warm shutdown): what the scheduler sent now waits in
        # the broker, and the task instances stay queued.
        first_worker.stop()
    finally:
        first.kill()
        first.wait()
    states = json.loads(cli("dags", "state", "load", "adopted", "--output", "json"))
    assert "queued" in {row["state"] for row in states}, states
    assert run_state() == "running"
    # The dead scheduler's DAG file processes let go of its lock as they notice.
    wait_for(lambda: _lock_is_free(deployment.home / "scheduler.lock"), 30, "the scheduler lock")
    second = scheduler()
    try:
        wait_for(lambda: "orphaned task(s)" in log_path.read_text(), 60, "the run's adoption")
        # Each queued task now has two messages in the broker: the dead scheduler's and
        # the adopter's, with the same id. The worker runs one and ignores the other.
        deployment.worker("two", concurrency=2)
        wait_for(lambda: run_state() in ("success", "failed"), 120, "the adopted run to finish")
        time.sleep(2)  # anything that would run twice has had the time to
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert run_state() == "success", log_path.read_text()
    _exactly_once(deployment, 80)
