"""Inside the benchmark's celery environment: start PostgreSQL and Redis, then run the
recorded fan DAG through the local executor and through the celery executor with 1 and 2
workers (separate processes and homes), one after another on the same servers.

Usage: ``python celery_cluster.py WORK_DIR DAG_FOLDER DAG_ID RECORD_FILE``.  Prints one JSON
object: ``{"local": ..., "celery-1": ..., "celery-2": ...}``, each what
``executor_run.py`` printed.  The servers and workers come from taskloom-testing, the
fixtures the provider's tests use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg

from taskloom_testing.celery import Broker
from taskloom_testing.celery import Worker
from taskloom_testing.celery import deployment_env
from taskloom_testing.postgres import serve_postgres

#: Task processes per worker: one per CPU, as a worker on a machine of its own is sized (here
#: all workers share this machine's CPUs with the scheduler and the servers).
CPUS = os.cpu_count() or 2

work, folder, dag_id, record = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
probe = str(Path(__file__).with_name("executor_run.py"))
results = {}
with serve_postgres() as server:
    # As in production: the append-only file synced every second, not on every write.
    broker = Broker(work / "broker", appendfsync="everysec")
    broker.start()
    try:
        for workers in (0, 1, 2):
            name = "local" if workers == 0 else f"celery-{workers}"
            schema = name.replace("-", "_")
            with psycopg.connect(
                host=server.host,
                port=server.port,
                user=server.user,
                password=server.password,
                dbname=server.database,
                autocommit=True,
            ) as admin:
                admin.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            database = f"{server.uri}?options=-csearch_path%3D{schema}"
            env = deployment_env(broker=broker, database_url=database, home=work / f"home-{name}")
            env["TASKLOOM_DAGS_FOLDER"] = folder
            started = [
                Worker(
                    f"w{i}",
                    {**env, "TASKLOOM_HOME": str(work / f"home-{name}-w{i}")},
                    concurrency=CPUS,
                )
                for i in range(workers)
            ]
            try:
                for worker in started:
                    worker.wait_ready()
                done = subprocess.run(
                    [
                        sys.executable,
                        probe,
                        folder,
                        dag_id,
                        "local" if workers == 0 else "celery",
                        record,
                    ],
                    env={**env, "TASKLOOM__CORE__PARALLELISM": str(os.cpu_count() or 2)}
                    if workers == 0
                    else env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    raise SystemExit(f"{name}: {done.stderr[-3000:]}")
                results[name] = json.loads(done.stdout.splitlines()[-1])
            finally:
                for worker in started:
                    worker.stop()
    finally:
        broker.stop()
print(json.dumps(results))
