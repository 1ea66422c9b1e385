"""The states a task instance and a DAG run go through.

``None`` (not an enum member) means "no state yet", as in Airflow: a task instance that
was created but not looked at by the scheduler.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from typing import Final


class TaskInstanceState(StrEnum):
    """States of one task in one DAG run.  Values are stored as-is in the metadata DB."""

    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    UP_FOR_RETRY = "up_for_retry"
    UP_FOR_RESCHEDULE = "up_for_reschedule"
    UPSTREAM_FAILED = "upstream_failed"
    SKIPPED = "skipped"
    REMOVED = "removed"


class DagRunState(StrEnum):
    """States of one DAG run."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


#: Task states that never change again without a user clearing the task.
FINISHED_STATES: Final[frozenset[TaskInstanceState]] = frozenset(
    {
        TaskInstanceState.SUCCESS,
        TaskInstanceState.FAILED,
        TaskInstanceState.SKIPPED,
        TaskInstanceState.UPSTREAM_FAILED,
        TaskInstanceState.REMOVED,
    }
)

#: Task states (``None`` included) that still have work ahead of them.
UNFINISHED_STATES: Final[frozenset[TaskInstanceState | None]] = frozenset(
    {
        None,
        TaskInstanceState.SCHEDULED,
        TaskInstanceState.QUEUED,
        TaskInstanceState.RUNNING,
        TaskInstanceState.UP_FOR_RETRY,
        TaskInstanceState.UP_FOR_RESCHEDULE,
    }
)

#: DAG run states that are final.
FINISHED_DAG_RUN_STATES: Final[frozenset[DagRunState]] = frozenset(
    {DagRunState.SUCCESS, DagRunState.FAILED}
)


def __getattr__(name: str) -> Any:
    # 1.x names of this module, from the table of moves.
    from taskloom.legacy.finder import package_getattr

    return package_getattr(__name__, name)
