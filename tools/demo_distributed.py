"""The demo's ``--distributed`` mode, run inside the demo's environment by ``nox -s demo``.

Starts PostgreSQL and Redis on 127.0.0.1, two Celery workers (``alpha,default`` and
``beta``) and a scheduler, each process with a home folder of its own as if on three
machines, runs the celery provider's ``example_celery_queues`` DAG (200 tasks on two
queues) and checks that every task ran once, on a worker serving its queue.

    python demo_distributed.py WORK_DIR
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import taskloom.providers.celery.example_dags as examples
from taskloom_testing.celery import Broker
from taskloom_testing.celery import Worker
from taskloom_testing.celery import deployment_env
from taskloom_testing.postgres import serve_postgres

DAG_ID = "example_celery_queues"


def main(work: Path) -> int:
    dags = examples.__path__[0]
    taskloom = [sys.executable, "-m", "taskloom"]
    with serve_postgres() as server:
        broker = Broker(work / "broker")
        broker.start()
        workers: list[Worker] = []
        try:
            url = server.uri
            env = deployment_env(broker=broker, database_url=url, home=work / "scheduler")
            env["TASKLOOM_DAGS_FOLDER"] = dags
            print(f"metadata DB: PostgreSQL on {server.host}:{server.port}; broker {broker.url}")
            for name, queues in (("worker-a", "alpha,default"), ("worker-b", "beta")):
                worker_env = {**env, "TASKLOOM_HOME": str(work / name)}
                workers.append(Worker(name, worker_env, queues=queues, concurrency=2))
            for worker in workers:
                worker.wait_ready()
                print(f"{worker.name}: ready (home {work / worker.name}, log {worker.log_path})")

            def cli(*args: str) -> str:
                return subprocess.run(
                    [*taskloom, *args], env=env, check=True, capture_output=True, text=True
                ).stdout

            cli("dags", "trigger", DAG_ID, "-r", "distributed_demo")
            started = time.monotonic()
            with (work / "scheduler.log").open("wb") as log:
                scheduler = subprocess.Popen([*taskloom, "scheduler"], env=env, stderr=log)
            try:
                while True:
                    (run,) = json.loads(cli("dags", "state", DAG_ID, "--output", "json"))
                    if run["state"] in ("success", "failed"):
                        break
                    time.sleep(0.5)
            finally:
                scheduler.send_signal(signal.SIGTERM)
                scheduler.wait(timeout=30)
            print(f"run distributed_demo: {run['state']} in {time.monotonic() - started:.1f} s")
            print(cli("celery", "status"), end="")
            return _check(env, work, run["state"])
        finally:
            for worker in workers:
                worker.stop()
            broker.stop()


def _check(env: dict[str, str], work: Path, state: str) -> int:
    os.environ.update({k: v for k, v in env.items() if k.startswith("TASKLOOM")})
    from taskloom import store
    from taskloom.models import taskinstance
    from taskloom.models import xcom

    conn = store.connect()
    try:
        instances = taskinstance.for_run(conn, DAG_ID, "distributed_demo")
        where = {
            ti.task_id: xcom.pull(conn, DAG_ID, "distributed_demo", ti.task_id, "return_value")
            for ti in instances
        }
    finally:
        conn.close()
    serving = {"alpha": "worker-a", "default": "worker-a", "beta": "worker-b"}
    wrong = [
        ti.task_id
        for ti in instances
        if ti.state != "success"
        or ti.try_number != 1
        or where[ti.task_id]["home"] != str(work / serving[where[ti.task_id]["queue"]])
    ]
    per_worker = Counter(Path(value["home"]).name for value in where.values() if value)
    print(f"{len(instances)} tasks; ran on: {dict(sorted(per_worker.items()))}")
    if state != "success" or wrong or len(instances) != 200:
        print(f"NOT as expected: {wrong[:10]}")
        return 1
    print("every task ran once, on a worker serving its queue")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve()))
