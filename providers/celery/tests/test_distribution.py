"""End to end: PostgreSQL, Redis, a scheduler and two workers, each process with a home of
its own (as on three machines), run a DAG of 200 tasks across two queues; the workers'
task logs go to S3 (a moto server) and are read on the scheduler side."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter

import pytest
from conftest import Deployment
from conftest import wait_for

from taskloom_testing.moto import ACCESS_KEY_ID
from taskloom_testing.moto import REGION
from taskloom_testing.moto import SECRET_ACCESS_KEY
from taskloom_testing.moto import MotoServer
from taskloom_testing.moto import moto_clean  # noqa: F401  (fixture)
from taskloom_testing.moto import moto_server  # noqa: F401  (fixture)

LOGS = "s3://taskloom-logs/e2e"


@pytest.fixture
def s3_logs(moto_clean: MotoServer, deployment: Deployment) -> None:  # noqa: F811
    """Every process of the deployment sends task logs to a bucket of the moto server."""
    import boto3

    deployment.settings.update(
        TASKLOOM__LOGGING__REMOTE_BASE_LOG_FOLDER=LOGS,
        TASKLOOM_CONN_AWS_DEFAULT=moto_clean.connection_json(),
        AWS_EC2_METADATA_DISABLED="true",
    )
    boto3.client(
        "s3",
        endpoint_url=moto_clean.endpoint_url,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        region_name=REGION,
    ).create_bucket(Bucket="taskloom-logs")


def test_every_task_runs_once_on_a_worker_serving_its_queue(
    deployment: Deployment, s3_logs: None
) -> None:
    """200 tasks on alpha, beta and default: each runs exactly once, on a worker serving its
    queue, and the scheduler side reads every outcome, return value and task log."""
    first = deployment.worker("first", queues="alpha,default")
    second = deployment.worker("second", queues="beta")
    env = deployment.env(deployment.home)
    taskloom = [sys.executable, "-m", "taskloom"]

    def cli(*args: str) -> str:
        done = subprocess.run(
            [*taskloom, *args], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("dags", "trigger", "two_queues", "-S", str(deployment.dags), "-r", "e2e")
    with (deployment.root / "scheduler.log").open("wb") as log:
        scheduler = subprocess.Popen(
            [*taskloom, "scheduler", "-S", str(deployment.dags)], env=env, stderr=log
        )
    try:

        def run_state() -> str:
            (run,) = json.loads(cli("dags", "state", "two_queues", "--output", "json"))
            return str(run["state"])

        wait_for(lambda: run_state() in ("success", "failed"), 180, "the run to finish")
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(timeout=30)
    assert run_state() == "success", (deployment.root / "scheduler.log").read_text()
    rows = json.loads(cli("dags", "state", "two_queues", "e2e", "--output", "json"))
    assert len(rows) == 200
    assert {(row["state"], row["try_number"]) for row in rows} == {("success", 1)}
    records = deployment.records()
    assert Counter(task_id for task_id, *_ in records) == {row["task_id"]: 1 for row in rows}
    home_of = {"alpha": first, "default": first, "beta": second}
    for task_id, try_number, home, queue in records:
        assert try_number == "1"
        assert queue == (task_id.split("_")[0] if "_" in task_id else "default")
        assert home == str(deployment.root / f"home-{home_of[queue].name}"), task_id
    # The value a task on the second worker returned is read on the scheduler side.
    from taskloom import store
    from taskloom.models import xcom

    conn = store.connect()
    try:
        value = xcom.pull(conn, "two_queues", "e2e", "beta_3", "return_value")
    finally:
        conn.close()
    assert value == str(deployment.root / "home-second")
    # Each worker wrote its logs in its own home and to S3; the scheduler side has none of
    # its own and reads them from S3.
    for task_id, worker in (("beta_3", second), ("alpha_3", first)):
        log = cli("tasks", "logs", "two_queues", task_id, "e2e")
        assert f"Running <TaskInstance two_queues.{task_id} e2e" in log, log
        assert f"Marked {task_id} as success" in log, log
        assert (deployment.root / f"home-{worker.name}" / "logs").is_dir()
    assert not (deployment.home / "logs" / "dag_id=two_queues").exists()
