"""What a task learns from where it is defined: the DAG of the enclosing ``with`` block, and the user's line.

Below both :mod:`taskloom.models.dag` and :mod:`taskloom.models.baseoperator`: an
operator finds its DAG here (typed by :class:`OwningDag`, what an operator needs of its
DAG) instead of importing the DAG module, which imports operators.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING
from typing import Any
from typing import Final
from typing import Protocol

from taskloom.exceptions import InvalidIdError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from jinja2.sandbox import SandboxedEnvironment

    from taskloom.models.param import ParamsDict
    from taskloom.timetables import Timetable

#: Longest dag_id or task_id accepted (it becomes part of file names and DB keys).
MAX_ID_LENGTH: Final = 250
_ID_RE: Final = re.compile(r"[A-Za-z0-9_.-]+")
_PACKAGE_DIR: Final = str(Path(__file__).resolve().parent.parent)


class OwningDag(Protocol):
    """What an operator needs of the DAG it belongs to (:class:`~taskloom.models.dag.DAG` is one)."""

    dag_id: str
    default_args: dict[str, Any]
    params: ParamsDict
    start_date: datetime | None
    end_date: datetime | None

    @property
    def task_dict(self) -> Mapping[str, Any]:
        """Its tasks by id."""

    @property
    def timetable(self) -> Timetable:
        """When it runs."""

    def get_template_env(self) -> SandboxedEnvironment:
        """The Jinja environment of its templates."""

    def add_task(self, task: Any) -> None:
        """Add ``task`` (a :class:`~taskloom.models.baseoperator.BaseOperator`) to this DAG."""


# DAGs whose ``with`` block is open, innermost last.
_context_stack: list[OwningDag] = []


def push(dag: OwningDag) -> None:
    """``with dag:`` opened: operators built now belong to ``dag``."""
    _context_stack.append(dag)


def pop() -> None:
    """The innermost ``with dag:`` block closed."""
    _context_stack.pop()


def current_dag() -> OwningDag | None:
    """The DAG of the innermost open ``with DAG(...)`` block, if any."""
    return _context_stack[-1] if _context_stack else None


def caller_location() -> str | None:
    """``file:line`` of the innermost caller outside the taskloom package (the user's DAG file)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR):
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back
    return None


def user_stacklevel() -> int:
    """The ``stacklevel`` for :func:`warnings.warn` that points at the user's code.

    Call it from the function that calls ``warn``: it counts that function's frame and every
    taskloom frame above it, so a deprecation shows the DAG file's line however deep the
    warning is raised.
    """
    level = 1
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        level += 1
        frame = frame.f_back
    return level


def validate_id(value: object, kind: str) -> str:
    """Return ``value`` if it is a valid dag_id/task_id.

    :raises InvalidIdError: naming the value, the rule, and where it was declared.
    """
    if not isinstance(value, str) or not _ID_RE.fullmatch(value) or len(value) > MAX_ID_LENGTH:
        where = caller_location()
        at = f" (at {where})" if where else ""
        raise InvalidIdError(
            f"{kind} {value!r}{at} is invalid: use only letters, digits, '_', '.' and '-', "
            f"at most {MAX_ID_LENGTH} characters"
        )
    return value
