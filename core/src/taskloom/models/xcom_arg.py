"""XComArg: a reference to a task's future XCom value, used to wire ``@task`` functions."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import Protocol
from typing import Union


class Task(Protocol):
    """What an XComArg needs of its task (:class:`~taskloom.models.baseoperator.BaseOperator` is one)."""

    task_id: str

    def set_upstream(self, others: DependencyTarget) -> None:
        """Make this task run after ``others``."""

    def set_downstream(self, others: DependencyTarget) -> None:
        """Make this task run before ``others``."""

    def __rshift__(self, other: DependencyTarget) -> DependencyTarget:
        """``self >> other``: ``other`` runs after this task."""


#: What ``>>``, ``<<``, ``set_upstream`` and ``set_downstream`` accept.
DependencyTarget = Union[Task, "XComArg", Sequence[Union[Task, "XComArg"]]]

#: The XCom key a task's return value is stored under.
RETURN_KEY = "return_value"


class XComArg:
    """The XCom ``key`` pushed by ``operator``, resolved when a downstream task runs.

    Passing an XComArg to an operator (a ``@task`` call or a templated field) makes that
    operator depend on ``operator``; ``xcom_arg["key"]`` picks one key of a task with
    ``multiple_outputs=True``.
    """

    __slots__ = ("key", "operator")

    def __init__(self, operator: Task, key: str = RETURN_KEY) -> None:
        self.operator = operator
        self.key = key

    def __repr__(self) -> str:
        return f"XComArg({self.operator.task_id!r}, key={self.key!r})"

    def __getitem__(self, key: str) -> XComArg:
        return XComArg(self.operator, key)

    def __iter__(self) -> Iterator[Any]:
        # Without this, Python would iterate by calling __getitem__(0), __getitem__(1)... forever.
        raise TypeError(
            f"{self!r} is not iterable while the DAG is being built; pass it to a task and "
            "iterate inside the task"
        )

    def resolve(self, context: Mapping[str, Any]) -> Any:
        """The value, read through ``context["ti"].xcom_pull`` at run time."""
        return context["ti"].xcom_pull(task_ids=self.operator.task_id, key=self.key)

    def __rshift__(self, other: DependencyTarget) -> DependencyTarget:
        self.operator.set_downstream(other)
        return other

    def __lshift__(self, other: DependencyTarget) -> DependencyTarget:
        self.operator.set_upstream(other)
        return other

    def __rrshift__(self, other: DependencyTarget) -> XComArg:
        self.operator.set_upstream(other)
        return self

    def __rlshift__(self, other: DependencyTarget) -> XComArg:
        self.operator.set_downstream(other)
        return self

    def set_upstream(self, other: DependencyTarget) -> None:
        """Make this XComArg's task run after ``other``."""
        self.operator.set_upstream(other)

    def set_downstream(self, other: DependencyTarget) -> None:
        """Make this XComArg's task run before ``other``."""
        self.operator.set_downstream(other)


def iter_xcom_args(value: Any) -> list[XComArg]:
    """Every :class:`XComArg` inside ``value`` (lists, tuples, sets and dict values, nested).

    Called for every templated field of every operator, so the common cases (plain
    values, empty containers) return at once.
    """
    found: list[XComArg] = []
    _collect(value, found)
    return found


def _collect(value: Any, found: list[XComArg]) -> None:
    if isinstance(value, XComArg):
        found.append(value)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _collect(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found)
