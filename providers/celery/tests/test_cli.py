"""``taskloom celery worker|status`` and the [celery] settings, through the installed CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import Deployment
from conftest import wait_for


def _taskloom(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taskloom", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_status_lists_workers_and_their_queues(deployment: Deployment) -> None:
    """Each answering worker is one line: name, queues, concurrency and running tasks."""
    deployment.worker("alpha", queues="alpha,default", concurrency=3)
    done = _taskloom(deployment.env(deployment.home), "celery", "status")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "alpha@127.0.0.1: queues alpha, default; concurrency 3; running 0\n"


def test_status_without_workers_exits_1_naming_the_broker(deployment: Deployment) -> None:
    """No worker answering is an error that says how to start one."""
    done = _taskloom(deployment.env(deployment.home), "celery", "status", "--timeout", "0.5")
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: no Celery worker answered within 0.5 s (broker {deployment.broker.url}); "
        "start one: taskloom celery worker --queues <queue>\n"
    )


def test_a_bad_broker_url_is_refused_without_its_password(deployment: Deployment) -> None:
    """A broker URL of an unsupported scheme names the setting and masks the password."""
    env = deployment.env(deployment.home)
    env["TASKLOOM__CELERY__BROKER_URL"] = "http://user:s3cret-pw@broker.example:80/0"
    done = _taskloom(env, "celery", "status")
    assert done.returncode == 1
    assert "s3cret-pw" not in done.stderr
    assert done.stderr == (
        "Error: setting [celery] broker_url must be a redis://, rediss:// or amqp:// URL, got "
        "'http://user:***@broker.example:80/0'; fix TASKLOOM__CELERY__BROKER_URL or taskloom.toml\n"
    )


def test_bad_numbers_and_queue_names_are_refused(deployment: Deployment) -> None:
    """A queued_timeout that is not positive and a queue name with spaces each get one line."""
    env = deployment.env(deployment.home)
    env["TASKLOOM__CELERY__QUEUED_TIMEOUT"] = "0"
    done = _taskloom(env, "celery", "worker")
    assert done.returncode == 1
    assert done.stderr == (
        "Error: setting [celery] queued_timeout must be a positive number of seconds, got '0'; "
        "fix TASKLOOM__CELERY__QUEUED_TIMEOUT or taskloom.toml\n"
    )
    done = _taskloom(deployment.env(deployment.home), "celery", "worker", "--queues", "a b")
    assert done.returncode == 2
    assert "'a b' is not a queue name" in done.stderr


def test_the_executor_is_chosen_by_its_short_name(deployment: Deployment) -> None:
    """[core] executor = celery resolves through the registry, listed by providers info."""
    done = _taskloom(deployment.env(deployment.home), "providers", "info", "celery")
    assert done.returncode == 0, done.stderr
    assert (
        "celery (taskloom.providers.celery.executors.celery_executor.CeleryExecutor)" in done.stdout
    )


def test_a_celery_worker_that_dies_is_started_again(deployment: Deployment) -> None:
    """The Celery worker process dying on an error (here: kill -9) is started again by
    ``taskloom celery worker``, which then serves its queues as before."""
    worker = deployment.worker("phoenix", queues="default")
    (celery_main,) = [
        int(pid)
        for pid in Path(f"/proc/{worker.process.pid}/task/{worker.process.pid}/children")
        .read_text()
        .split()
    ]
    os.kill(celery_main, signal.SIGKILL)
    wait_for(lambda: worker.log().count(" ready.") == 2, 60, "the worker to start again")
    assert "the Celery worker stopped with status -9" in worker.log()
    assert worker.process.poll() is None
    done = _taskloom(deployment.env(deployment.home), "celery", "status")
    assert done.stdout.startswith("phoenix@127.0.0.1: queues default;"), done.stderr
