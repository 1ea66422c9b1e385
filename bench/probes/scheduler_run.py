"""Inside a benchmark environment: wait for the runs of one DAG to finish, then compute what
the schedulers did from the metadata DB's rows (whichever store ``[database] url`` names).

Usage: ``python scheduler_run.py DAG_FILE DAG_ID RUNS RAN_FILE TIMEOUT_S``.  Waits until
RUNS runs of DAG_ID are ``success`` or ``failed`` (or TIMEOUT_S passed), then prints JSON:

- ``tasks_per_s``: task instances finished over the time from the first run's start to
  the last task's end (scheduler start-up and DAG parsing excluded);
- ``latency_ms``: scheduling latency per task instance, from when it became ready (its
  last upstream's ``end_date``; the run's ``start_date`` for a root task) to its
  ``start_date``: ``p50``, ``p90``, ``p99``, ``max``; and ``to_queued_ms`` the same up to
  ``queued_at`` where the scheduler records it;
- ``exactly_once``: from RAN_FILE, where every task appends ``<run_id> <task_id>``: how
  many task instances ran once, more than once, never.
"""

from __future__ import annotations

import collections
import json
import statistics
import sys
import time
from datetime import datetime

from taskloom import store
from taskloom.dag_processing import DagBag

dag_file, dag_id, runs, ran_file, timeout = (
    sys.argv[1],
    sys.argv[2],
    int(sys.argv[3]),
    sys.argv[4],
    float(sys.argv[5]),
)
conn = store.connect()
deadline = time.monotonic() + timeout
finished = False
while time.monotonic() < deadline:
    rows = conn.execute(
        "SELECT state FROM dag_run WHERE dag_id = ?",
        (dag_id,),
    ).fetchall()
    if len(rows) >= runs and all(r[0] in ("success", "failed") for r in rows):
        finished = True
        break
    time.sleep(0.2)


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p90": None, "p99": None, "max": None, "count": 0}
    cuts = (
        statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    )
    return {
        "p50": round(cuts[49], 2),
        "p90": round(cuts[89], 2),
        "p99": round(cuts[98], 2),
        "max": round(max(values), 2),
        "count": len(values),
    }


dag = DagBag(dag_file).dags[dag_id]
upstream = {task_id: task.upstream_task_ids for task_id, task in dag.task_dict.items()}
run_rows = conn.execute(
    "SELECT run_id, state, start_date, end_date FROM dag_run WHERE dag_id = ?", (dag_id,)
).fetchall()
run_start = {r[0]: _dt(r[2]) for r in run_rows}
ti_rows = conn.execute(
    "SELECT run_id, task_id, state, try_number, start_date, end_date, queued_at "
    "FROM task_instance WHERE dag_id = ?",
    (dag_id,),
).fetchall()
conn.close()
ends = {(r[0], r[1]): _dt(r[5]) for r in ti_rows}
latency, to_queued = [], []
states = collections.Counter(r[2] for r in ti_rows)
tries = collections.Counter(r[3] for r in ti_rows)
for run_id, task_id, _state, _try, start, _end, queued in ti_rows:
    started = _dt(start)
    if started is None:
        continue
    ups = [ends.get((run_id, up)) for up in upstream.get(task_id, ())]
    if any(e is None for e in ups):
        continue  # an upstream never ended: the task did not become ready by its upstream
    ready = max(ups) if ups else run_start[run_id]  # type: ignore[type-var]
    if ready is None:
        continue
    latency.append((started - ready).total_seconds() * 1000)
    if queued:
        to_queued.append((_dt(queued) - ready).total_seconds() * 1000)  # type: ignore[operator]
first_start = min((s for s in run_start.values() if s), default=None)
last_end = max((e for e in ends.values() if e), default=None)
span = (last_end - first_start).total_seconds() if first_start and last_end else None
ran = collections.Counter()
with open(ran_file, encoding="utf-8") as fh:
    for line in fh:
        ran[line.strip()] += 1
expected = {f"{r[0]} {r[1]}" for r in ti_rows}
print(
    json.dumps(
        {
            "finished": finished,
            "runs": {r[0]: r[1] for r in run_rows},
            "task_instances": len(ti_rows),
            "states": dict(states),
            "try_numbers": {str(k): v for k, v in tries.items()},
            "span_s": span,
            "tasks_per_s": len(ti_rows) / span if span else None,
            "latency_ms": _percentiles(latency),
            "to_queued_ms": _percentiles(to_queued),
            "exactly_once": {
                "once": sum(1 for key in expected if ran[key] == 1),
                "more_than_once": sum(1 for key in expected if ran[key] > 1),
                "never": sum(1 for key in expected if ran[key] == 0),
                "unknown": sum(1 for key in ran if key not in expected),
            },
        }
    )
)
