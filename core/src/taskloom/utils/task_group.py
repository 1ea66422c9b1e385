"""TaskGroup: a named group of tasks whose ids are prefixed with the group's id.

``with TaskGroup("extract") as extract: BashOperator(task_id="orders", ...)`` makes the
task ``extract.orders``, as Airflow does.  A group links like a task: ``start >> extract``
makes every root of the group (a task with no upstream inside it) run after ``start``;
``extract >> load`` makes ``load`` run after every leaf.  Groups nest.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from taskloom.exceptions import DagDefinitionError
from taskloom.models.dag_context import validate_id

# Groups whose ``with`` block is open, innermost last.
_group_stack: list[TaskGroup] = []


def current_task_group() -> TaskGroup | None:
    """The group of the innermost open ``with TaskGroup(...)`` block, if any."""
    return _group_stack[-1] if _group_stack else None


class TaskGroup:
    """Tasks created inside ``with TaskGroup(group_id):`` belong to it.

    :param group_id: the group's name, ``[A-Za-z0-9_.-]+``; prefixed with its parent's.
    :param prefix_group_id: prefix the ids of its tasks (and sub-groups) with ``group_id.``.
    :param tooltip: shown by UIs.
    """

    def __init__(self, group_id: str, *, prefix_group_id: bool = True, tooltip: str = "") -> None:
        validate_id(group_id, "group_id")
        self.parent = current_task_group()
        self.group_id = self.parent.child_id(group_id) if self.parent else group_id
        self.prefix_group_id = prefix_group_id
        self.tooltip = tooltip
        #: The tasks of this group and of its sub-groups, in creation order.
        self.tasks: list[Any] = []

    def __repr__(self) -> str:
        return f"<TaskGroup: {self.group_id}>"

    def child_id(self, label: str) -> str:
        """The id a task or sub-group called ``label`` gets in this group."""
        if self.prefix_group_id:
            return f"{self.group_id}.{label}"
        return self.parent.child_id(label) if self.parent else label

    def add(self, task: Any) -> None:
        """Record ``task`` in this group and its parents."""
        group: TaskGroup | None = self
        while group is not None:
            group.tasks.append(task)
            group = group.parent

    def __enter__(self) -> TaskGroup:
        _group_stack.append(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _group_stack.pop()
        if exc_type is None and not self.tasks:
            raise DagDefinitionError(
                f"task group {self.group_id!r} has no task; add one or remove it"
            )

    @property
    def roots(self) -> list[Any]:
        """Its tasks with no upstream task inside the group."""
        ids = {t.task_id for t in self.tasks}
        return [t for t in self.tasks if not t.upstream_task_ids & ids]

    @property
    def leaves(self) -> list[Any]:
        """Its tasks with no downstream task inside the group."""
        ids = {t.task_id for t in self.tasks}
        return [t for t in self.tasks if not t.downstream_task_ids & ids]

    def dependency_tasks(self, upstream: bool) -> list[Any]:
        """What a link to this group means: its leaves when it is upstream, else its roots."""
        return self.leaves if upstream else self.roots

    def _targets(self, other: Any) -> Iterator[Any]:
        items: Sequence[Any] = other if isinstance(other, (list, tuple)) else [other]
        for item in items:
            yield from (item.roots if isinstance(item, TaskGroup) else [item])

    def __rshift__(self, other: Any) -> Any:
        for leaf in self.leaves:
            leaf.set_downstream(other)
        return other

    def __lshift__(self, other: Any) -> Any:
        for root in self.roots:
            root.set_upstream(other)
        return other

    def __rrshift__(self, other: Any) -> TaskGroup:
        # [a, b] >> group
        for root in self.roots:
            root.set_upstream(other)
        return self

    def __rlshift__(self, other: Any) -> TaskGroup:
        # [a, b] << group
        for leaf in self.leaves:
            leaf.set_downstream(other)
        return self
