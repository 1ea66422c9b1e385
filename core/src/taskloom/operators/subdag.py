"""SubDagOperator: refused when the DAG file is loaded, with its replacement named.

A sub-DAG ran as a DAG of its own inside one task, with its own runs, slots and failure
modes (deadlocks on pools, half-finished sub-runs); taskloom does not run one half-way.
Task groups (:class:`taskloom.utils.task_group.TaskGroup`) give the same grouping of task
ids without a second DAG, so the DAG file fails at parse time, before anything runs.
"""

from __future__ import annotations

from typing import Any
from typing import ClassVar

from taskloom.exceptions import DagDefinitionError


class SubDagOperator:
    """Raises :class:`DagDefinitionError` naming :class:`TaskGroup` when built."""

    #: ``taskloom compat check`` reports a name carrying this as a blocker, with this text.
    __taskloom_refused__: ClassVar[str] = (
        "SubDagOperator is not supported: put the sub-DAG's tasks in a TaskGroup instead "
        "(from taskloom.utils.task_group import TaskGroup; with TaskGroup('section_1'): ...), "
        "which prefixes their task ids the same way"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        task_id = kwargs.get("task_id", "?")
        raise DagDefinitionError(f"task {task_id!r}: {self.__taskloom_refused__}")
