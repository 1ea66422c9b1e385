"""The DAG: a named set of tasks, their dependencies, and the schedule of its runs.

Building a DAG is linear in its size: adding a task, ``>>``, :meth:`DAG.topological_sort`
and :meth:`DAG.validate` do no quadratic work, so a 10,000-task DAG loads in milliseconds.
"""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING
from typing import Any
from typing import Final

from taskloom.exceptions import DagCycleError
from taskloom.exceptions import DagDefinitionError
from taskloom.exceptions import DuplicateTaskIdError
from taskloom.exceptions import ParamValidationError
from taskloom.models import dag_context
from taskloom.models.dag_context import MAX_ID_LENGTH as MAX_ID_LENGTH
from taskloom.models.dag_context import caller_location as caller_location
from taskloom.models.dag_context import user_stacklevel as user_stacklevel
from taskloom.models.dag_context import validate_id as validate_id
from taskloom.models.param import NOTSET
from taskloom.models.param import ParamsDict
from taskloom.timetables import DagRunInfo as DagRunInfo
from taskloom.timetables import Restriction
from taskloom.timetables import Timetable
from taskloom.timetables import create_timetable
from taskloom.timetables import iter_between
from taskloom.utils.dates import to_utc

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

    from taskloom.models.baseoperator import BaseOperator

_NOT_GIVEN: Final[Any] = object()

# Set by the DagBag while it imports a file: every DAG used as a context manager is kept,
# even when the file does not bind it to a module-level name.
_autoregistered: list[DAG] | None = None


def current_dag() -> DAG | None:
    """The DAG of the innermost open ``with DAG(...)`` block, if any."""
    dag = dag_context.current_dag()
    return dag if isinstance(dag, DAG) else None


class DAG:
    """A workflow: tasks, their dependencies, and when it runs.

    Use it as a context manager so operators created inside join it, or pass ``dag=`` to
    each operator.

    :param dag_id: unique name, ``[A-Za-z0-9_.-]+``, at most 250 characters.
    :param schedule: ``None`` (manual runs only), a cron expression, a preset (``@once``,
        ``@hourly``, ``@daily``, ``@weekly``, ``@monthly``, ``@yearly``) or a ``timedelta``.
    :param start_date: first data interval starts here (naive datetimes are UTC).
    :param end_date: no run has a logical date after this.
    :param catchup: create runs for every missed interval since ``start_date``; when false
        (the default) only the latest complete interval is run.
    :param default_args: defaults for every operator argument of this DAG's tasks.
    :param params: run-time params (plain values or :class:`~taskloom.models.param.Param`).
    :param template_searchpath: extra folders for ``template_ext`` files, after the DAG's own.
    :param user_defined_macros: extra names available in templates.
    :param user_defined_filters: extra Jinja filters available in templates.
    :param dagrun_timeout: fail a run that lasts longer than this.
    :param on_success_callback: called with the context when a run succeeds.
    :param on_failure_callback: called with the context when a run fails.
    :param is_paused_upon_creation: whether the scheduler starts with this DAG paused.
    :param schedule_interval: deprecated spelling of ``schedule``.
    :param concurrency: deprecated spelling of ``max_active_tasks``.
    :param default_view: accepted for 1.x DAG files (deprecated): taskloom has no
        per-DAG UI defaults.
    :param orientation: accepted for 1.x DAG files (deprecated), like ``default_view``.
    :param full_filepath: accepted for 1.x DAG files (deprecated): the file is known from
        where the DAG is defined.
    """

    def __init__(
        self,
        dag_id: str,
        *,
        schedule: str | timedelta | Timetable | None = None,
        start_date: datetime | date | None = None,
        end_date: datetime | date | None = None,
        catchup: bool = False,
        default_args: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        tags: Iterable[str] | None = None,
        description: str | None = None,
        max_active_runs: int = 16,
        max_active_tasks: int = 16,
        doc_md: str | None = None,
        template_searchpath: str | Iterable[str] | None = None,
        user_defined_macros: dict[str, Any] | None = None,
        user_defined_filters: dict[str, Callable[..., Any]] | None = None,
        dagrun_timeout: timedelta | None = None,
        on_success_callback: Callable[[dict[str, Any]], object] | None = None,
        on_failure_callback: Callable[[dict[str, Any]], object] | None = None,
        is_paused_upon_creation: bool | None = None,
        schedule_interval: Any = _NOT_GIVEN,
        concurrency: Any = _NOT_GIVEN,
        default_view: Any = _NOT_GIVEN,
        orientation: Any = _NOT_GIVEN,
        full_filepath: Any = _NOT_GIVEN,
    ) -> None:
        self.dag_id = validate_id(dag_id, "dag_id")
        for name, value, advice in (
            ("concurrency", concurrency, "use DAG(max_active_tasks=...) instead"),
            ("default_view", default_view, "taskloom has no per-DAG view settings; remove it"),
            ("orientation", orientation, "taskloom has no per-DAG view settings; remove it"),
            ("full_filepath", full_filepath, "the DAG's file is known anyway; remove it"),
        ):
            if value is not _NOT_GIVEN:
                warnings.warn(
                    f"DAG({name}=...) is deprecated and will be removed in taskloom 3.0; {advice}",
                    DeprecationWarning,
                    stacklevel=user_stacklevel(),
                )
        if concurrency is not _NOT_GIVEN:
            max_active_tasks = concurrency
        if schedule_interval is not _NOT_GIVEN:
            warnings.warn(
                "DAG(schedule_interval=...) is deprecated and will be removed in taskloom 3.0; "
                "use DAG(schedule=...) instead",
                DeprecationWarning,
                stacklevel=user_stacklevel(),
            )
            if schedule is not None:
                raise DagDefinitionError(
                    f"DAG {dag_id!r}: pass schedule= or schedule_interval=, not both"
                )
            schedule = schedule_interval
        #: Operator defaults, applied to every task of this DAG.
        self.default_args: dict[str, Any] = dict(default_args or {})
        if start_date is None and "start_date" in self.default_args:
            start_date = self.default_args["start_date"]
        if end_date is None and "end_date" in self.default_args:
            end_date = self.default_args["end_date"]
        self.schedule = schedule
        #: How :attr:`schedule` turns into runs.
        self.timetable: Timetable = create_timetable(schedule)
        self.start_date = to_utc(start_date) if start_date is not None else None
        self.end_date = to_utc(end_date) if end_date is not None else None
        self.catchup = catchup
        self.params = ParamsDict(params)
        self.tags = list(tags or [])
        self.description = description
        self.max_active_runs = max_active_runs
        self.max_active_tasks = max_active_tasks
        self.doc_md = doc_md
        if isinstance(template_searchpath, str):
            template_searchpath = [template_searchpath]
        self.template_searchpath = list(template_searchpath or [])
        self.user_defined_macros = dict(user_defined_macros or {})
        self.user_defined_filters = dict(user_defined_filters or {})
        self.dagrun_timeout = dagrun_timeout
        self.on_success_callback = on_success_callback
        self.on_failure_callback = on_failure_callback
        self.is_paused_upon_creation = is_paused_upon_creation
        #: Tasks by task_id, in the order they were added.
        self.task_dict: dict[str, BaseOperator] = {}
        location = caller_location()
        #: The file that declared this DAG (set to the loaded file by the DagBag).
        self.fileloc: str = location.rpartition(":")[0] if location else "<unknown>"
        #: The line of the ``DAG(...)`` call in :attr:`fileloc` (``None`` if not known).
        self.lineno: int | None = int(location.rpartition(":")[2]) if location else None
        self._template_env: SandboxedEnvironment | None = None
        # Next free suffix per @task function name, so repeated calls get unique ids in O(1).
        self._task_id_counters: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"<DAG: {self.dag_id}>"

    # --- context manager -----------------------------------------------------------------

    def __enter__(self) -> DAG:
        dag_context.push(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        dag_context.pop()
        if _autoregistered is not None and exc is None:
            _autoregistered.append(self)

    # --- tasks ---------------------------------------------------------------------------

    @property
    def _where(self) -> str:
        """``file:line`` of the ``DAG(...)`` call, for error messages (issue 22)."""
        return self.fileloc if self.lineno is None else f"{self.fileloc}:{self.lineno}"

    @property
    def tasks(self) -> list[BaseOperator]:
        """All tasks, in the order they were added."""
        return list(self.task_dict.values())

    @property
    def task_ids(self) -> list[str]:
        """All task ids, in the order they were added."""
        return list(self.task_dict)

    @property
    def folder(self) -> str:
        """The folder of the DAG file (first place templates are looked up)."""
        return str(Path(self.fileloc).parent)

    def has_task(self, task_id: str) -> bool:
        """Whether a task with this id belongs to the DAG."""
        return task_id in self.task_dict

    def get_task(self, task_id: str) -> BaseOperator:
        """The task with this id.

        :raises KeyError: naming the task and the DAG.
        """
        try:
            return self.task_dict[task_id]
        except KeyError:
            raise KeyError(f"DAG {self.dag_id!r} has no task {task_id!r}") from None

    def add_task(self, task: BaseOperator) -> None:
        """Add ``task`` (operators do this themselves when given ``dag=`` or created in ``with``).

        :raises DuplicateTaskIdError: naming the id, the DAG and where the duplicate was declared.
        """
        existing = self.task_dict.get(task.task_id)
        if existing is not None and existing is not task:
            where = caller_location()
            at = f" at {where}" if where else ""
            raise DuplicateTaskIdError(
                f"task_id {task.task_id!r} already exists in DAG {self.dag_id!r}; the second "
                f"declaration{at} needs another task_id"
            )
        self.task_dict[task.task_id] = task

    def unique_task_id(self, base: str) -> str:
        """``base`` if unused, else ``base__1``, ``base__2``... (what repeated ``@task`` calls get)."""
        if base not in self.task_dict:
            return base
        n = self._task_id_counters.get(base, 0)
        while True:
            n += 1
            candidate = f"{base}__{n}"
            if candidate not in self.task_dict:
                self._task_id_counters[base] = n
                return candidate

    @property
    def roots(self) -> list[BaseOperator]:
        """Tasks with no upstream task."""
        return [t for t in self.task_dict.values() if not t.upstream_task_ids]

    @property
    def leaves(self) -> list[BaseOperator]:
        """Tasks with no downstream task."""
        return [t for t in self.task_dict.values() if not t.downstream_task_ids]

    def topological_sort(self) -> list[BaseOperator]:
        """Tasks ordered so every task comes after all its upstream tasks (Kahn's algorithm).

        :raises DagCycleError: naming one cycle, e.g. ``a -> b -> c -> a``.
        """
        tasks = self.task_dict
        indegree = {tid: len(t.upstream_task_ids) for tid, t in tasks.items()}
        ready = deque(tid for tid, n in indegree.items() if n == 0)
        order: list[BaseOperator] = []
        while ready:
            task = tasks[ready.popleft()]
            order.append(task)
            for child in task.downstream_task_ids:
                indegree[child] -= 1
                if indegree[child] == 0:
                    ready.append(child)
        if len(order) < len(tasks):
            raise DagCycleError(
                f"DAG {self.dag_id!r} ({self._where}) has a cycle: "
                f"{' -> '.join(self._find_cycle(indegree))}; remove one of these dependencies"
            )
        return order

    def _find_cycle(self, indegree: dict[str, int]) -> list[str]:
        """One cycle among the tasks Kahn's algorithm could not order (each has a blocked upstream)."""
        blocked = {tid for tid, n in indegree.items() if n > 0}
        seen: dict[str, int] = {}
        path: list[str] = []
        current = next(iter(blocked))
        while current not in seen:
            seen[current] = len(path)
            path.append(current)
            current = next(u for u in self.task_dict[current].upstream_task_ids if u in blocked)
        cycle = path[seen[current] :]
        cycle.reverse()  # walked upstream; show it in the direction of the arrows
        return [*cycle, cycle[0]]

    def validate(self) -> None:
        """Check the DAG as a whole: dependencies inside the DAG, no cycle, a usable schedule.

        :raises DagDefinitionError: (or a subclass) naming the problem and the DAG file.
        """
        for task in self.task_dict.values():
            for other in (*task.upstream_task_ids, *task.downstream_task_ids):
                if other not in self.task_dict:
                    raise DagDefinitionError(
                        f"DAG {self.dag_id!r} ({self._where}): task {task.task_id!r} depends on "
                        f"{other!r}, which is not in this DAG; add it to the DAG"
                    )
        if self.catchup and self.schedule is not None and self.start_date is None:
            raise DagDefinitionError(
                f"DAG {self.dag_id!r} ({self._where}) has catchup=True but no start_date; "
                "give it a start_date"
            )
        self._validate_params()
        self.topological_sort()

    def _validate_params(self) -> None:
        """Defaults must satisfy their Param; a scheduled DAG cannot have required params."""
        for key in self.params:
            param = self.params.get_param(key)
            if param.value is NOTSET:
                if self.schedule is not None:
                    raise DagDefinitionError(
                        f"DAG {self.dag_id!r} ({self._where}): param {key!r} has no default, but "
                        "scheduled runs have no conf to fill it; give it a default or use schedule=None"
                    )
                continue
            try:
                param.resolve(name=key)
            except ParamValidationError as exc:
                raise ParamValidationError(f"DAG {self.dag_id!r} ({self._where}): {exc}") from None

    # --- schedule ------------------------------------------------------------------------

    def next_dagrun_info(self, last: DagRunInfo | None, *, now: datetime) -> DagRunInfo | None:
        """The scheduled run after ``last`` (``None``: the first one), or ``None`` if no more.

        The returned run may lie in the future: it is due once
        ``info.data_interval_end <= now`` (:meth:`DagRunInfo.is_due`).  With ``catchup=False``
        runs older than the latest complete interval at ``now`` are skipped.
        """
        restriction = Restriction(self.start_date, self.end_date, self.catchup)
        return self.timetable.next_dagrun_info(last, restriction, to_utc(now))

    def iter_dagrun_infos_between(self, start: datetime, end: datetime) -> Iterator[DagRunInfo]:
        """Every scheduled run with a logical date in ``[start, end]`` (for backfills)."""
        return iter_between(self.timetable, start, end)

    def infer_manual_data_interval(self, logical_date: datetime) -> DagRunInfo:
        """The run info of a manual run at ``logical_date``: the latest interval ending by then."""
        return self.timetable.infer_manual_data_interval(to_utc(logical_date))

    # --- templates -----------------------------------------------------------------------

    def get_template_env(self) -> SandboxedEnvironment:
        """The Jinja environment of this DAG's templates (built once, then reused)."""
        if self._template_env is None:
            from taskloom.utils.templating import create_environment

            self._template_env = create_environment(
                [self.folder, *self.template_searchpath],
                user_defined_macros=self.user_defined_macros,
                user_defined_filters=self.user_defined_filters,
            )
        return self._template_env
