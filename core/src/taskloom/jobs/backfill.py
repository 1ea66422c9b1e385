"""Backfill: run a DAG for every schedule interval in a date range, in this process.

The runs are created with ``run_type="backfill"`` (the scheduler leaves them alone) and
driven by a :class:`~taskloom.jobs.dagrun_loop.DagRunLoop`, at most ``max_active_runs``
at a time, oldest first.  Runs that already succeeded are kept; failed ones are cleared
and run again with ``rerun_failed``.  Killing a backfill loses nothing: run it again and
it continues.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from taskloom import store
from taskloom.jobs.dagrun_loop import DagRunLoop
from taskloom.jobs.dagrun_loop import TaskCallback
from taskloom.jobs.dagrun_loop import check_deadlock
from taskloom.models import dagrun as dagrun_model
from taskloom.store import scheduling

#: Run states a backfill leaves alone.
FINISHED_RUN_STATES = ("success", "failed")

if TYPE_CHECKING:
    from taskloom.executors.base import BaseExecutor
    from taskloom.jobs.run_state import RunState
    from taskloom.models.dag import DAG
    from taskloom.models.dagrun import DagRun


def plan_runs(
    conn: store.Connection,
    dag: DAG,
    start: datetime,
    end: datetime,
    *,
    rerun_failed: bool = False,
    conf: dict[str, Any] | None = None,
) -> list[DagRun]:
    """Every run of ``[start, end]``, created or reused, oldest first.

    Finished runs are returned as they are (the backfill does not drive them); failed
    ones are cleared first with ``rerun_failed``.

    :raises ValueError: if the range holds no schedule interval of the DAG.
    """
    runs = []
    infos = list(dag.iter_dagrun_infos_between(start, end))
    if not infos:
        raise ValueError(
            f"DAG {dag.dag_id!r} has no schedule interval between {start.isoformat()} and {end.isoformat()} "
            f"(schedule {dag.schedule!r}); widen the range"
        )
    for info in infos:
        existing = dagrun_model.find(conn, dag.dag_id, logical_date=info.logical_date)
        if existing:
            run = existing[0]
            if run.state == "failed" and rerun_failed:
                with conn.transaction():
                    scheduling.reset_failed(conn, run.dag_id, run.run_id)
                    dagrun_model.set_state(conn, run, "queued")
            runs.append(run)
            continue
        runs.append(
            dagrun_model.create(
                conn,
                dag,
                logical_date=info.logical_date,
                data_interval=(info.data_interval_start, info.data_interval_end),
                run_type="backfill",
                conf=conf,
            )
        )
    return runs


def run_backfill(
    conn: store.Connection,
    dag: DAG,
    runs: list[DagRun],
    executor: BaseExecutor,
    *,
    on_task_done: TaskCallback | None = None,
    on_run_done: Callable[[RunState], None] | None = None,
) -> list[DagRun]:
    """Drive the unfinished ``runs`` to completion, ``dag.max_active_runs`` at a time."""
    pending = deque(run for run in runs if run.state not in FINISHED_RUN_STATES)
    executor.dags[dag.dag_id] = dag
    loop = DagRunLoop(conn, executor, on_task_done=on_task_done, on_run_done=on_run_done)
    executor.start()
    try:
        while pending or not loop.idle:
            while pending and len(loop.runs) < dag.max_active_runs:
                loop.add_run(dag, pending.popleft())
            loop.step(timeout=0.05)
            check_deadlock(loop)
    except BaseException:
        executor.end(terminate=True)
        loop.close()
        raise
    executor.end()
    loop.close()
    return runs
