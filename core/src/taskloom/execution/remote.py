"""What an executor whose workers run elsewhere (a provider's, such as Celery) asks the metadata DB.

Such an executor hears of a workload's end through its own channel (a result backend),
which can be late or lost; the metadata DB holds the truth, because the task runner
commits each outcome before it reports.  :func:`task_statuses` reads that truth for the
workloads still in flight: the state, the try, and whether the try is dead -- by core's
own rule, the one the scheduler applies to tries it does not track: it stopped
heartbeating for ``[scheduler] task_heartbeat_timeout`` seconds, or its process is gone
from this host (:mod:`taskloom.execution.liveness`).  The executor reports a dead try as
died (the scheduler fails or retries it, with its callbacks), however its channel behaves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from taskloom import store
from taskloom.execution import heartbeat
from taskloom.execution.task_runner import TaskRunResult
from taskloom.models.taskinstance import TaskInstanceKey
from taskloom.store import celery as remote_tries
from taskloom.utils.dates import parse_datetime

#: States a try ends in: the task runner committed them.
ENDED = frozenset({"success", "failed", "skipped", "up_for_retry", "up_for_reschedule"})


@dataclass(frozen=True, slots=True)
class TaskInstanceStatus:
    """A task instance as the metadata DB has it now."""

    state: str | None
    try_number: int
    next_try_at: datetime | None
    #: ``running``, and the try is dead: no heartbeat within the timeout, or its process
    #: is gone from this host.
    dead: bool

    def as_result(self) -> TaskRunResult:
        """The outcome the task runner committed (for a try that :attr:`ended`)."""
        return TaskRunResult(self.state or "", self.try_number, next_try_at=self.next_try_at)

    @property
    def ended(self) -> bool:
        """The try's outcome is committed."""
        return self.state in ENDED


def task_statuses(
    conn: store.Connection, keys: Iterable[TaskInstanceKey]
) -> dict[TaskInstanceKey, TaskInstanceStatus]:
    """The status of each task instance in ``keys`` that exists (one query per DAG run)."""
    oldest = heartbeat.cutoff()
    by_run: dict[tuple[str, str], set[str]] = {}
    for key in keys:
        by_run.setdefault((key.dag_id, key.run_id), set()).add(key.task_id)
    found: dict[TaskInstanceKey, TaskInstanceStatus] = {}
    for (dag_id, run_id), task_ids in by_run.items():
        for (
            task_id,
            state,
            try_number,
            owner,
            last_heartbeat,
            next_try,
        ) in remote_tries.tries_of_run(conn, dag_id, run_id):
            if task_id not in task_ids:
                continue
            dead = state == "running" and heartbeat.try_is_dead(
                owner, str(last_heartbeat) if last_heartbeat else None, oldest
            )
            found[TaskInstanceKey(dag_id, run_id, task_id)] = TaskInstanceStatus(
                state,
                int(try_number),
                parse_datetime(str(next_try)) if next_try else None,
                dead,
            )
    return found
