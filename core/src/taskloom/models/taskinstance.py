"""Task instances: one task in one DAG run, as stored in the metadata DB (``context["ti"]``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any
from typing import NamedTuple

from taskloom import store
from taskloom.models import xcom
from taskloom.store import task_instances
from taskloom.utils.dates import parse_datetime
from taskloom.utils.dates import utcnow

if TYPE_CHECKING:
    from taskloom.models.baseoperator import BaseOperator
    from taskloom.models.dagrun import DagRun


class TaskInstanceKey(NamedTuple):
    """What identifies a task instance across processes."""

    dag_id: str
    run_id: str
    task_id: str


def _dt(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


class TaskInstance:
    """One task in one DAG run.

    Task code reaches it as ``context["ti"]``: it pushes and pulls XComs, skips tasks of
    its run (branching) and logs to its try's file through :attr:`log`.

    :meta private: created by the runtime, not by users.
    """

    def __init__(
        self,
        dag_id: str,
        run_id: str,
        task_id: str,
        *,
        state: str | None = None,
        try_number: int = 0,
        max_tries: int = 0,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        first_attempt_started_at: datetime | None = None,
        next_try_at: datetime | None = None,
        conn: store.Connection | None = None,
    ) -> None:
        self.dag_id = dag_id
        self.run_id = run_id
        self.task_id = task_id
        #: Current state (``None``: not looked at yet).
        self.state = state
        #: The try being run (1-based once the task has started).
        self.try_number = try_number
        #: Retries allowed (the operator's ``retries`` when the run was created).
        self.max_tries = max_tries
        self.start_date = start_date
        self.end_date = end_date
        #: When the first try of this task instance started; sensors measure ``timeout``
        #: from it across reschedules.
        self.first_attempt_started_at = first_attempt_started_at
        #: When an ``up_for_retry``/``up_for_reschedule`` task may run again.
        self.next_try_at = next_try_at
        #: The operator, set by the task runner.
        self.task: BaseOperator | None = None
        #: The DAG run, set by the task runner.
        self.dag_run: DagRun | None = None
        #: The logger of this try (writes the try's log file while the task runs).
        self.log: logging.Logger = logging.getLogger("taskloom.task")
        #: Task ids this task skipped with :meth:`skip_tasks` during its try.
        self.skipped_task_ids: list[str] = []
        self._conn = conn

    def __repr__(self) -> str:
        return f"<TaskInstance {self.dag_id}.{self.task_id} {self.run_id} [{self.state}]>"

    @property
    def key(self) -> TaskInstanceKey:
        """The ``(dag_id, run_id, task_id)`` key."""
        return TaskInstanceKey(self.dag_id, self.run_id, self.task_id)

    @classmethod
    def from_row(cls, row: store.Row, conn: store.Connection | None = None) -> TaskInstance:
        """Build a task instance from a ``task_instance`` row."""
        return cls(
            row["dag_id"],
            row["run_id"],
            row["task_id"],
            state=row["state"],
            try_number=row["try_number"],
            max_tries=row["max_tries"],
            start_date=_dt(row["start_date"]),
            end_date=_dt(row["end_date"]),
            first_attempt_started_at=_dt(row["first_attempt_started_at"]),
            next_try_at=_dt(row["next_try_at"]),
            conn=conn,
        )

    @property
    def conn(self) -> store.Connection:
        """The metadata DB connection this task instance reads and writes through."""
        if self._conn is None:
            from taskloom import store

            self._conn = store.connect()
        return self._conn

    # --- XCom ---------------------------------------------------------------------------

    def xcom_push(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON-serializable) under ``key`` for downstream tasks.

        :raises TypeError: if the value is not JSON-serializable.
        """
        with self.conn.transaction():
            xcom.push(self.conn, self.dag_id, self.run_id, self.task_id, key, value)

    def xcom_pull(
        self,
        task_ids: str | Iterable[str] | None = None,
        key: str | None = xcom.XCOM_RETURN_KEY,
        dag_id: str | None = None,
        include_prior_dates: bool = False,
    ) -> Any:
        """Return XCom values of this run (or, with ``dag_id``, of that DAG's run with this run id).

        :param task_ids: one task id (returns its value), a list (returns a list of values
            in the same order) or ``None`` (the direct upstream tasks of this task; one
            upstream returns its value, several a list).
        :param key: the XCom key; ``None`` applies no key filter (the last value pushed
            under any key, as in Airflow 1.10).
        :param include_prior_dates: fall back to earlier runs' values.
        """
        dag_id = dag_id or self.dag_id
        if task_ids is None:
            upstream = sorted(self.task.upstream_task_ids) if self.task is not None else []
            task_ids = upstream[0] if len(upstream) == 1 else upstream
        if isinstance(task_ids, str):
            return xcom.pull(
                self.conn,
                dag_id,
                self.run_id,
                task_ids,
                key,
                include_prior_dates=include_prior_dates,
            )
        return [
            xcom.pull(
                self.conn, dag_id, self.run_id, tid, key, include_prior_dates=include_prior_dates
            )
            for tid in task_ids
        ]

    # --- control of the run --------------------------------------------------------------

    def skip_tasks(self, task_ids: Iterable[str], reason: str = "") -> None:
        """Mark the given tasks of this run skipped (branching operators use it).

        Only tasks that have not started are skipped; the scheduler then propagates the
        skips downstream through the trigger rules.
        """
        ids = sorted(set(task_ids))
        if not ids:
            return
        with self.conn.transaction():
            task_instances.skip(self.conn, self.dag_id, self.run_id, ids, utcnow().isoformat())
        self.skipped_task_ids.extend(ids)
        self.log.info("Skipping %s%s", ", ".join(ids), f" ({reason})" if reason else "")

    def refresh(self) -> None:
        """Reload this task instance's row from the DB."""
        row = task_instances.get(self.conn, self.dag_id, self.run_id, self.task_id)
        if row is not None:
            fresh = TaskInstance.from_row(row)
            for name in (
                "state",
                "try_number",
                "max_tries",
                "start_date",
                "end_date",
                "first_attempt_started_at",
                "next_try_at",
            ):
                setattr(self, name, getattr(fresh, name))


def get(conn: store.Connection, dag_id: str, run_id: str, task_id: str) -> TaskInstance | None:
    """Load one task instance, or ``None``."""
    row = task_instances.get(conn, dag_id, run_id, task_id)
    return TaskInstance.from_row(row, conn) if row is not None else None


def for_run(conn: store.Connection, dag_id: str, run_id: str) -> list[TaskInstance]:
    """Every task instance of one run, by task id."""
    return [
        TaskInstance.from_row(row, conn) for row in task_instances.for_run(conn, dag_id, run_id)
    ]
