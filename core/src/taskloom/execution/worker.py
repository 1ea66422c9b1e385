"""What every executor does with one workload: find the DAG and run the task runner.

Shared by the in-process executor and the local executor's worker processes, so both
run tasks exactly the same way.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from taskloom import store
from taskloom.execution.workload import Workload

if TYPE_CHECKING:
    from taskloom.execution.task_runner import TaskRunResult
    from taskloom.models.dag import DAG
    from taskloom.models.dagrun import DagRun

_conn: store.Connection | None = None
_runs: dict[tuple[str, str], DagRun] = {}
_conn_owner: tuple[int, str | None, str | None] = (0, None, None)


def process_connection() -> store.Connection:
    """This process's metadata DB connection, opened on first use.

    Reopened when the process is a fork of the one that opened it (an inherited
    connection belongs to the parent: it is dropped, never closed, since closing would
    touch the parent's locks) or when the DB path setting changed.
    """
    global _conn, _conn_owner
    from taskloom import store

    # The environment decides the DB path: compare it, not the path (cheap per task).
    owner = (
        os.getpid(),
        os.environ.get("TASKLOOM_HOME"),
        os.environ.get("TASKLOOM__DATABASE__PATH"),
    )
    if _conn is None or _conn_owner != owner:
        if _conn is not None and _conn_owner[0] == owner[0]:
            _conn.close()
        _runs.clear()
        _conn, _conn_owner = store.connect(), owner
    return _conn


def resolve_dag(workload: Workload, dags: dict[str, DAG]) -> DAG:
    """The DAG of ``workload``: one already loaded, else parsed from its file (and kept)."""
    dag = dags.get(workload.dag_id)
    if dag is None:
        from taskloom.dag_processing import DagBag

        bag = DagBag(workload.fileloc)
        dags.update(bag.dags)
        dag = dags.get(workload.dag_id)
        if dag is None:
            raise LookupError(f"DAG {workload.dag_id!r} is no longer defined in {workload.fileloc}")
    return dag


def execute_workload(
    workload: Workload, dags: dict[str, DAG], *, cache_runs: bool = False
) -> TaskRunResult:
    """Run one try of the workload's task instance and return the recorded outcome.

    :param cache_runs: keep DAG runs read from the DB for the next workloads (worker
        processes, which live only as long as their executor).

    :raises Exception: when the task cannot even start (DAG file gone, run deleted); the
        executor reports that as a workload that died.
    """
    from taskloom.execution.task_runner import run_task
    from taskloom.models import dagrun

    conn = process_connection()
    dag = resolve_dag(workload, dags)
    key = (workload.dag_id, workload.run_id)
    run = _runs.get(key) if cache_runs else None
    if run is None:
        run = dagrun.get(conn, workload.dag_id, workload.run_id)
        if cache_runs:
            # A run's identity, dates and conf do not change while it runs: read it once
            # per worker, not once per task.
            if len(_runs) > 64:
                _runs.clear()
            _runs[key] = run
    return run_task(conn, dag.get_task(workload.task_id), run)
