"""Run a DAG through the real runtime (metadata DB, run loop, sequential executor) in tests."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from taskloom import store
from taskloom.executors.sequential import SequentialExecutor
from taskloom.jobs.dagrun_loop import DagRunLoop
from taskloom.models import dagrun
from taskloom.models import taskinstance
from taskloom.models import xcom
from taskloom.models.dag import DAG

LOGICAL_DATE = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class RunResult:
    """Task states and XComs of one finished run."""

    dag: DAG
    run_id: str
    state: str
    states: dict[str, str | None]

    def xcom(self, task_id: str, key: str = "return_value") -> Any:
        """The XCom ``key`` pushed by ``task_id`` in this run."""
        with closing(store.connect()) as conn:
            return xcom.pull(conn, self.dag.dag_id, self.run_id, task_id, key)


def run_dag(
    dag: DAG,
    *,
    logical_date: datetime = LOGICAL_DATE,
    run_type: str = "manual",
    data_interval: tuple[datetime, datetime] | None = None,
    conf: dict[str, Any] | None = None,
) -> RunResult:
    """Create one run of ``dag`` and drive it to the end in this process."""
    with closing(store.connect()) as conn:
        return _run(conn, dag, logical_date, run_type, data_interval, conf)


def _run(
    conn: sqlite3.Connection,
    dag: DAG,
    logical_date: datetime,
    run_type: str,
    data_interval: tuple[datetime, datetime] | None,
    conf: dict[str, Any] | None,
) -> RunResult:
    if data_interval is None:
        info = dag.infer_manual_data_interval(logical_date)
        data_interval = (info.data_interval_start, info.data_interval_end)
    run = dagrun.create(
        conn,
        dag,
        logical_date=logical_date,
        data_interval=data_interval,
        run_type=run_type,
        conf=conf,
    )
    loop = DagRunLoop(conn, SequentialExecutor())
    loop.add_run(dag, run)
    loop.run_until_done(poll=0.01)
    loop.close()
    states = {ti.task_id: ti.state for ti in taskinstance.for_run(conn, dag.dag_id, run.run_id)}
    final = dagrun.get(conn, dag.dag_id, run.run_id).state
    return RunResult(dag, run.run_id, final, states)
