"""DAG runs: one execution of a DAG for one logical date, as stored in the metadata DB."""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from taskloom import store
from taskloom.exceptions import DagRunNotFoundError
from taskloom.store import dag_runs
from taskloom.store import task_instances
from taskloom.utils.dates import parse_datetime
from taskloom.utils.dates import utcnow
from taskloom.utils.state import DagRunState

if TYPE_CHECKING:
    from taskloom.models.dag import DAG

#: The kinds of run, stored in ``dag_run.run_type`` and used as the run id prefix.
RUN_TYPES = ("manual", "scheduled", "backfill")


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def make_run_id(run_type: str, logical_date: datetime) -> str:
    """The default run id, ``<run_type>__<logical date ISO>``, as in Airflow."""
    return f"{run_type}__{logical_date.isoformat()}"


@dataclass
class DagRun:
    """One run of a DAG (``context["dag_run"]``).

    :meta private: created by :func:`create` and :func:`get`, not by users.
    """

    dag_id: str
    run_id: str
    logical_date: datetime
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    run_type: str
    state: str
    conf: dict[str, Any] = field(default_factory=dict)
    external_trigger: bool = False
    start_date: datetime | None = None
    end_date: datetime | None = None

    @classmethod
    def from_row(cls, row: store.Row) -> DagRun:
        """Build a DagRun from a ``dag_run`` row."""
        return cls(
            dag_id=row["dag_id"],
            run_id=row["run_id"],
            logical_date=parse_datetime(row["logical_date"]),
            data_interval_start=_dt(row["data_interval_start"]),
            data_interval_end=_dt(row["data_interval_end"]),
            run_type=row["run_type"],
            state=row["state"],
            conf=json.loads(row["conf"]) if row["conf"] else {},
            external_trigger=bool(row["external_trigger"]),
            start_date=_dt(row["start_date"]),
            end_date=_dt(row["end_date"]),
        )


def create(
    conn: store.Connection,
    dag: DAG,
    *,
    logical_date: datetime,
    run_type: str,
    data_interval: tuple[datetime, datetime] | None = None,
    run_id: str | None = None,
    conf: dict[str, Any] | None = None,
    state: str = DagRunState.QUEUED,
    replace: bool = False,
    job_id: int | None = None,
) -> DagRun:
    """Insert a run and one task instance row per task, in one transaction.

    The one way a DAG run is created: by the scheduler, backfills, ``dags trigger``,
    ``dags test`` and ``tasks test``.

    :param data_interval: the interval the run covers; by default the one the DAG's
        timetable infers for a manual run at ``logical_date``.
    :param replace: delete an earlier run of the DAG at ``logical_date`` (and its task
        instances) first, as ``dags test`` does.
    :param job_id: the job that drives a run created ``running``.
    :raises ValueError: if a run with this run id or logical date already exists (and
        ``replace`` is false).
    """
    run_id = run_id or make_run_id(run_type, logical_date)
    external = run_type == "manual"
    if data_interval is None:
        info = dag.infer_manual_data_interval(logical_date)
        data_interval = (info.data_interval_start, info.data_interval_end)
    with conn.transaction():
        if replace:
            dag_runs.delete_at(conn, dag.dag_id, logical_date.isoformat())
        existing = dag_runs.conflicting(conn, dag.dag_id, run_id, logical_date.isoformat())
        if existing is not None:
            raise ValueError(
                f"DAG {dag.dag_id!r} already has a run {existing!r} for {logical_date.isoformat()}; "
                f"clear it with `taskloom tasks clear {dag.dag_id} --run-id {existing}` or pick another date"
            )
        dag_runs.insert(
            conn,
            {
                "dag_id": dag.dag_id,
                "run_id": run_id,
                "logical_date": logical_date.isoformat(),
                "data_interval_start": _ts(data_interval[0]),
                "data_interval_end": _ts(data_interval[1]),
                "run_type": run_type,
                "state": str(state),
                "conf": json.dumps(conf or {}),
                "external_trigger": int(external),
                # Created running: driven by its creator's job from the start (no scheduler takes it).
                "job_id": job_id if state == DagRunState.RUNNING else None,
            },
        )
        add_task_instances(conn, dag, run_id, list(dag.task_dict))
    return get(conn, dag.dag_id, run_id)


def add_task_instances(conn: store.Connection, dag: DAG, run_id: str, task_ids: list[str]) -> None:
    """Insert the (state-less) task instance rows of ``task_ids`` in run ``run_id``: at
    creation, and for tasks added to the DAG after the run was created.  The caller owns
    the transaction."""
    task_instances.insert(
        conn, dag.dag_id, run_id, [(tid, int(dag.task_dict[tid].retries)) for tid in task_ids]
    )


def get(conn: store.Connection, dag_id: str, run_id: str) -> DagRun:
    """Load one run.

    :raises DagRunNotFoundError: naming the DAG and the run id.
    """
    row = dag_runs.get(conn, dag_id, run_id)
    if row is None:
        raise DagRunNotFoundError(
            f"DAG {dag_id!r} has no run {run_id!r}; list its runs with `taskloom dags state {dag_id}`"
        )
    return DagRun.from_row(row)


def find(
    conn: store.Connection,
    dag_id: str | None = None,
    *,
    states: tuple[str, ...] = (),
    logical_date: datetime | None = None,
) -> list[DagRun]:
    """Runs matching the filters, oldest logical date first."""
    rows = dag_runs.find(
        conn,
        dag_id,
        states=tuple(str(s) for s in states),
        logical_date=logical_date.isoformat() if logical_date is not None else None,
    )
    return [DagRun.from_row(row) for row in rows]


def latest(
    conn: store.Connection, dag_id: str, run_types: tuple[str, ...] = ("scheduled", "backfill")
) -> DagRun | None:
    """The run of these types with the newest logical date, or ``None``."""
    row = dag_runs.latest(conn, dag_id, run_types)
    return DagRun.from_row(row) if row is not None else None


def set_state(
    conn: store.Connection, run: DagRun, state: str, *, job_id: int | None = None
) -> None:
    """Record a run's new state (and its start or end time); the caller owns the transaction.

    :param job_id: the job (:class:`taskloom.jobs.job.Job`) that drives a running run.
    """
    now = utcnow()
    if state == DagRunState.RUNNING and run.start_date is None:
        run.start_date = now
    if state in (DagRunState.SUCCESS, DagRunState.FAILED):
        run.end_date = now
    elif state in (DagRunState.QUEUED, DagRunState.RUNNING):
        run.end_date = None
    run.state = str(state)
    # A running run is driven by a job; a scheduler adopts it only once that job is dead.
    # A finished run keeps the id of the job that drove it last.
    dag_runs.set_state(
        conn,
        run.dag_id,
        run.run_id,
        run.state,
        start_date=_ts(run.start_date),
        end_date=_ts(run.end_date),
        job_id=job_id,
    )
