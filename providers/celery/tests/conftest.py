"""Fixtures of the celery provider's tests: a real Redis broker, real worker processes.

Each test gets a deployment on this machine laid out as on several: the scheduler side
uses the test's private ``TASKLOOM_HOME`` (its metadata DB is the shared one), and each
worker has a home of its own and reaches the DB through ``[database] path``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskloom_testing.celery import Broker
from taskloom_testing.celery import Worker
from taskloom_testing.celery import deployment_env
from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.dagrun import WhileRunning
from taskloom_testing.dagrun import run_dags_test

# The deployment these tests build is the one the provider is for: several machines
# sharing a PostgreSQL metadata DB (a schema per test, on one server per session).
os.environ.setdefault("TASKLOOM_TEST_DATABASE", "postgresql")

pytest_plugins = ["taskloom_testing.home"]

DAGS = Path(__file__).parent / "dags"


class Deployment:
    """A broker, workers and the scheduler side's settings for one test."""

    def __init__(self, root: Path, home: Path, broker: Broker, settings: dict[str, str]) -> None:
        self.root = root
        self.home = home
        self.broker = broker
        self.settings = settings
        self.workers: list[Worker] = []
        #: A copy of the test DAGs; tasks append one line per try to ``record.txt`` here.
        self.dags = root / "dags"
        shutil.copytree(DAGS, self.dags)
        #: The metadata DB every process shares: the test's PostgreSQL schema (or SQLite file).
        self.database_url = os.environ.get("TASKLOOM__DATABASE__URL") or (
            f"sqlite:///{home / 'taskloom.db'}"
        )

    def env(self, home: Path) -> dict[str, str]:
        """The environment of a process whose home is ``home``."""
        return deployment_env(
            broker=self.broker, database_url=self.database_url, home=home, extra=self.settings
        )

    def worker(self, name: str, queues: str = "default", concurrency: int = 2) -> Worker:
        """Start a worker with its own home and wait until it is ready."""
        worker = Worker(
            name, self.env(self.root / f"home-{name}"), queues=queues, concurrency=concurrency
        )
        self.workers.append(worker)
        worker.wait_ready()
        return worker

    def dags_test(
        self, dag_id: str, while_running: WhileRunning | None = None, timeout: float = 240
    ) -> DagRunOutcome:
        """``taskloom dags test DAG_ID -S <dags> -x celery`` from the scheduler side."""
        return run_dags_test(
            self.dags,
            dag_id,
            env=self.env(self.home),
            executor="celery",
            while_running=while_running,
            timeout=timeout,
        )

    def records(self) -> list[list[str]]:
        """The lines tasks wrote: ``[task_id, try_number, worker home, queue]`` per try."""
        path = self.dags / "record.txt"
        text = path.read_text() if path.exists() else ""
        return [line.split("\t") for line in text.splitlines()]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A started Redis server of the test's own (``kill -9``-ed at the end)."""
    server = Broker(tmp_path / "broker")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def deployment(
    tmp_path: Path, taskloom_home: Path, broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployment]:
    """A started broker and an empty deployment (start workers with ``deployment.worker()``)."""
    settings = {
        "TASKLOOM__CELERY__QUEUED_TIMEOUT": "60",
        "TASKLOOM__CELERY__VISIBILITY_TIMEOUT": "5",
    }
    taskloom_home.mkdir(parents=True, exist_ok=True)
    made = Deployment(tmp_path, taskloom_home, broker, settings)
    # This process reads the run's outcome from the same DB as the scheduler side.
    for key, value in made.env(taskloom_home).items():
        if key.startswith("TASKLOOM"):
            monkeypatch.setenv(key, value)
    try:
        yield made
    finally:
        for worker in made.workers:  # before the broker fixture stops Redis
            worker.stop()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds, or fail naming ``what``."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}")


__all__ = ["Deployment", "os", "wait_for"]
