"""Inside a benchmark environment: run one DAG run through an executor in this process and
measure it as the scheduler drives it (``DagRunLoop``, as ``dags test`` and the scheduler do).

Usage: ``python executor_run.py FOLDER DAG_ID EXECUTOR RECORD_FILE``.  The DAG's tasks append
their task id to RECORD_FILE (one ``O_APPEND`` write per execution).  Prints JSON: ``tasks``,
``seconds`` (first queued to run finished), ``tasks_per_s``, ``latency_p50_ms`` and
``latency_p99_ms`` (from the moment the scheduler queued a task to the moment its try
started, from the task instance's ``start_date``), ``lost`` (tasks that did not succeed or
never ran) and ``duplicated`` (extra executions counted in RECORD_FILE).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from taskloom import store
from taskloom.dag_processing import DagBag
from taskloom.execution.workload import Workload
from taskloom.executors import load_executor
from taskloom.jobs.dagrun_loop import DagRunLoop
from taskloom.models import dagrun
from taskloom.models import taskinstance
from taskloom.utils.dates import utcnow

folder, dag_id, executor_name, record = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
record.unlink(missing_ok=True)
dag = DagBag(folder).dags[dag_id]
conn = store.connect()
run = dagrun.create(
    conn, dag, logical_date=utcnow(), run_type="manual", replace=True, state="running"
)
executor = load_executor(executor_name)
queued_at: dict[str, datetime] = {}
queue = executor.queue


def timed_queue(workload: Workload) -> None:
    queued_at[workload.task_id] = utcnow()
    queue(workload)


executor.queue = timed_queue  # type: ignore[method-assign]
loop = DagRunLoop(conn, executor)
loop.add_run(dag, run)
executor.start()
started = time.monotonic()
loop.run_until_done(poll=0.05)
seconds = time.monotonic() - started
executor.end()
instances = taskinstance.for_run(conn, dag_id, run.run_id)
latencies = sorted(
    (ti.start_date - queued_at[ti.task_id]).total_seconds() * 1000
    for ti in instances
    if ti.start_date is not None and ti.task_id in queued_at
)
executions = Counter(record.read_text().split()) if record.exists() else Counter()
print(
    json.dumps(
        {
            "tasks": len(instances),
            "seconds": seconds,
            "tasks_per_s": len(instances) / seconds,
            "latency_p50_ms": statistics.median(latencies),
            "latency_p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "lost": sum(
                1 for ti in instances if ti.state != "success" or not executions[ti.task_id]
            ),
            "duplicated": sum(n - 1 for n in executions.values() if n > 1),
        }
    )
)
