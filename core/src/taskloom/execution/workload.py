"""The unit of work an executor runs (:class:`Workload`) and the news it reports back (:class:`Event`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from taskloom.models.taskinstance import TaskInstanceKey

if TYPE_CHECKING:
    from taskloom.execution.task_runner import TaskRunResult


@dataclass(frozen=True, slots=True)
class Workload:
    """One try of one task instance to run.

    :param fileloc: the DAG file, for executors whose workers must load the DAG themselves.
    """

    dag_id: str
    run_id: str
    task_id: str
    fileloc: str

    @property
    def key(self) -> TaskInstanceKey:
        """The task instance this workload runs."""
        return TaskInstanceKey(self.dag_id, self.run_id, self.task_id)


@dataclass(frozen=True, slots=True)
class Event:
    """A workload ended.

    ``result`` is the runner's outcome (already committed to the DB); it is ``None`` when
    the workload died without reporting (its worker crashed or was killed), and
    ``info`` says how.
    """

    key: TaskInstanceKey
    result: TaskRunResult | None
    info: str = ""
