"""BaseBranchOperator: subclass it and return the task id(s) to follow from ``choose_branch``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from taskloom.exceptions import DagDefinitionError
from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context


def _as_task_ids(value: str | Iterable[str] | None) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    return set(value)


def follow_branches(
    task: BaseOperator, context: Context, branch: str | Iterable[str] | None
) -> None:
    """Skip the direct downstream tasks of ``task`` that ``branch`` does not name.

    :raises DagDefinitionError: if ``branch`` names a task that is not in the DAG.
    """
    chosen = _as_task_ids(branch)
    dag = task._require_dag()
    unknown = sorted(t for t in chosen if t not in dag.task_dict)
    if unknown:
        raise DagDefinitionError(
            f"branch task {task.task_id!r} returned task id(s) {unknown} that are not in DAG "
            f"{dag.dag_id!r}; return ids of its downstream tasks: "
            f"{sorted(task.downstream_task_ids)}"
        )
    to_skip = sorted(task.downstream_task_ids - chosen)
    if to_skip:
        context["ti"].skip_tasks(to_skip, reason=f"branch {task.task_id!r} chose {sorted(chosen)}")


class BaseBranchOperator(BaseOperator):
    """Run :meth:`choose_branch`, follow the task id(s) it returns and skip the other
    direct downstream tasks (``None`` or ``[]`` skips them all)."""

    def choose_branch(self, context: Context) -> str | Iterable[str] | None:
        """The task id(s) to follow; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement choose_branch(context)")

    def execute(self, context: Context) -> Any:
        branch = self.choose_branch(context)
        follow_branches(self, context, branch)
        return branch if isinstance(branch, (str, type(None))) else list(branch)
