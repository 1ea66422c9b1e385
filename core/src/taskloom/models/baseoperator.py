"""BaseOperator: one task of a DAG, and the helpers that wire tasks together.

Operators take keyword arguments only.  Any argument an operator's ``__init__`` accepts can
also come from the DAG's ``default_args`` or the operator's own ``default_args``; an
argument nobody accepts is an error naming the operator and the argument.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import logging
import warnings
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar
from typing import Final
from typing import TypeVar

from taskloom.exceptions import DagDefinitionError
from taskloom.exceptions import TemplateRenderError
from taskloom.models.dag_context import OwningDag
from taskloom.models.dag_context import caller_location
from taskloom.models.dag_context import current_dag
from taskloom.models.dag_context import user_stacklevel
from taskloom.models.dag_context import validate_id
from taskloom.models.param import ParamsDict
from taskloom.models.xcom_arg import DependencyTarget as DependencyTarget
from taskloom.models.xcom_arg import XComArg
from taskloom.models.xcom_arg import iter_xcom_args
from taskloom.utils.dates import to_utc
from taskloom.utils.trigger_rule import TriggerRule

if TYPE_CHECKING:
    from jinja2 import Environment

Context = Mapping[str, Any]
TaskCallback = Callable[[dict[str, Any]], object]

#: The pool of tasks that name none (``taskloom.store.pools.DEFAULT_POOL``, spelled here so
#: that defining a DAG imports no store module).
DEFAULT_POOL: Final = "default_pool"
#: Longest retry delay exponential backoff can reach without ``max_retry_delay``.
MAX_RETRY_DELAY: Final = timedelta(days=1)

_F = TypeVar("_F", bound=Callable[..., None])
# Accepted keyword names per operator class (the union of its __init__ signatures).
_init_params_cache: dict[type, frozenset[str]] = {}


def _init_params(cls: type) -> frozenset[str]:
    """Keyword names the ``__init__`` methods of ``cls`` and its operator bases accept."""
    cached = _init_params_cache.get(cls)
    if cached is None:
        names: set[str] = set()
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None or not issubclass(klass, BaseOperator):
                continue
            for param in inspect.signature(init).parameters.values():
                if param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
                    names.add(param.name)
        cached = _init_params_cache[cls] = frozenset(names - {"self"})
    return cached


def _apply_defaults(init: _F) -> _F:
    """Wrap an operator ``__init__`` so the outermost call fills arguments from ``default_args``
    and, once the operator is built, wires dependencies on XComArgs in its templated fields."""

    @functools.wraps(init)
    def wrapper(self: BaseOperator, *args: Any, **kwargs: Any) -> None:
        if self.__dict__.get("_initializing"):
            init(self, *args, **kwargs)
            return
        if args:
            raise TypeError(
                f"{type(self).__name__}: pass arguments by keyword, e.g. "
                f"{type(self).__name__}(task_id=...), not positionally"
            )
        self._initializing = True
        dag = kwargs.get("dag") or current_dag()
        defaults = dict(dag.default_args) if dag is not None else {}
        own_defaults = kwargs.pop("default_args", None)
        if own_defaults:
            defaults.update(own_defaults)
        if defaults:
            accepted = _init_params(type(self))
            if "params" in defaults and "params" in kwargs:
                kwargs["params"] = {**defaults["params"], **kwargs["params"]}
            for key, value in defaults.items():
                if key in accepted and key not in kwargs:
                    kwargs[key] = value
        try:
            init(self, **kwargs)
        finally:
            self._initializing = False
        self._set_xcomarg_dependencies()

    wrapper._taskloom_apply_defaults = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def _coerce_timedelta(value: timedelta | float | None, name: str, task_id: str) -> timedelta | None:
    """Accept a timedelta or a number of seconds, as Airflow does for delays and timeouts."""
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise TypeError(f"task {task_id!r}: {name} must be a timedelta or seconds, got {value!r}")


def _check_pool(pool: str | None, task_id: str) -> str:
    """``pool`` (``None``: the default pool), or a :class:`DagDefinitionError` naming the task."""
    if pool is None or pool == DEFAULT_POOL:
        return DEFAULT_POOL
    from taskloom.store.pools import name_problem

    problem = name_problem(pool)
    if problem:
        raise DagDefinitionError(f"task {task_id!r}: {problem}")
    return pool


class BaseOperator:
    """One task: subclasses implement :meth:`execute`.

    :param task_id: unique within the DAG, ``[A-Za-z0-9_.-]+``, at most 250 characters.
    :param retries: how many times a failed try is retried.
    :param retry_delay: wait before a retry (timedelta or seconds).
    :param retry_exponential_backoff: double the delay after each failed try.
    :param max_retry_delay: cap for the backoff delay.
    :param execution_timeout: fail a try that runs longer than this.
    :param trigger_rule: when the task runs, given its upstream states (see ``TriggerRule``).
    :param depends_on_past: run only if this task succeeded in the previous run.
    :param params: task params, merged over the DAG's.
    :param on_failure_callback: called with the context when the task fails.
    :param on_success_callback: called with the context when the task succeeds.
    :param on_retry_callback: called with the context when a try fails and a retry follows.
    :param pool: the pool whose slots the task takes while it is queued or running
        (default ``default_pool``); create pools with ``taskloom pools set NAME SLOTS``.
    :param pool_slots: how many slots of ``pool`` the task takes (a whole number >= 1).
    :param max_active_tis_per_dag: at most this many runs of this task at once, over all
        runs of the DAG.
    :param task_concurrency: deprecated 1.x spelling of ``max_active_tis_per_dag``.
    :param do_xcom_push: push the return value of :meth:`execute` as XCom.
    :param multiple_outputs: also push each key of a returned dict as its own XCom.
    :param default_args: defaults for this operator's arguments (over the DAG's).
    """

    #: Attribute names rendered with Jinja before :meth:`execute`.
    template_fields: Sequence[str] = ()
    #: A templated string ending with one of these is a file name to load and render.
    template_ext: Sequence[str] = ()
    #: How UIs show a templated field (``{"sql": "sql"}``).
    template_fields_renderers: ClassVar[dict[str, str]] = {}
    #: Colour of the task in graph views.
    ui_color: ClassVar[str] = "#fff"
    # True while the outermost __init__ runs (nested super().__init__ calls skip defaults).
    _initializing: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_taskloom_apply_defaults", False):
            cls.__init__ = _apply_defaults(init)  # type: ignore[method-assign]

    @_apply_defaults
    def __init__(
        self,
        *,
        task_id: str,
        owner: str = "taskloom",
        retries: int = 0,
        retry_delay: timedelta | float = timedelta(minutes=5),
        retry_exponential_backoff: bool = False,
        max_retry_delay: timedelta | float | None = None,
        execution_timeout: timedelta | float | None = None,
        trigger_rule: str | TriggerRule = TriggerRule.ALL_SUCCESS,
        depends_on_past: bool = False,
        wait_for_downstream: bool = False,
        params: Mapping[str, Any] | None = None,
        on_failure_callback: TaskCallback | None = None,
        on_success_callback: TaskCallback | None = None,
        on_retry_callback: TaskCallback | None = None,
        email: str | Iterable[str] | None = None,
        email_on_failure: bool = True,
        email_on_retry: bool = False,
        pool: str | None = DEFAULT_POOL,
        pool_slots: int = 1,
        max_active_tis_per_dag: int | None = None,
        task_concurrency: int | None = None,
        priority_weight: int = 1,
        queue: str = "default",
        doc_md: str | None = None,
        dag: OwningDag | None = None,
        start_date: datetime | date | None = None,
        end_date: datetime | date | None = None,
        do_xcom_push: bool = True,
        multiple_outputs: bool = False,
        **kwargs: Any,
    ) -> None:
        from taskloom.utils.task_group import current_task_group

        group = current_task_group()
        if group is not None:
            validate_id(task_id, "task_id")
            task_id = group.child_id(task_id)
        self.task_id = validate_id(task_id, "task_id")
        #: The task group this task was created in.
        self.task_group = group
        #: ``file:line`` of the user's code that created the task (template warnings point here).
        self.defined_at = caller_location()
        if kwargs:
            names = ", ".join(repr(k) for k in sorted(kwargs))
            raise TypeError(
                f"{type(self).__name__} (task_id {task_id!r}) got unknown argument(s) {names}; "
                f"check the spelling against the {type(self).__name__} documentation"
            )
        self.owner = owner
        if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
            raise TypeError(
                f"task {task_id!r}: retries must be a whole number >= 0, got {retries!r}"
            )
        self.retries = retries
        self.retry_delay: timedelta = _coerce_timedelta(
            retry_delay, "retry_delay", task_id
        ) or timedelta(0)
        self.retry_exponential_backoff = retry_exponential_backoff
        self.max_retry_delay = _coerce_timedelta(max_retry_delay, "max_retry_delay", task_id)
        self.execution_timeout = _coerce_timedelta(execution_timeout, "execution_timeout", task_id)
        self.trigger_rule: TriggerRule = TriggerRule.coerce(trigger_rule)
        self.depends_on_past = depends_on_past
        self.wait_for_downstream = wait_for_downstream
        self.params = ParamsDict(params)
        self.on_failure_callback = on_failure_callback
        self.on_success_callback = on_success_callback
        self.on_retry_callback = on_retry_callback
        self.email = [email] if isinstance(email, str) else list(email or [])
        self.email_on_failure = email_on_failure
        self.email_on_retry = email_on_retry
        self.pool: str = _check_pool(pool, task_id)
        if not isinstance(pool_slots, int) or isinstance(pool_slots, bool) or pool_slots < 1:
            raise DagDefinitionError(
                f"task {task_id!r}: pool_slots must be a whole number >= 1, got {pool_slots!r}"
            )
        self.pool_slots = pool_slots
        if task_concurrency is not None:
            warnings.warn(
                "task_concurrency=... is deprecated and will be removed in taskloom 3.0; use "
                "max_active_tis_per_dag=... instead",
                DeprecationWarning,
                stacklevel=user_stacklevel(),
            )
            max_active_tis_per_dag = max_active_tis_per_dag or task_concurrency
        self.max_active_tis_per_dag = max_active_tis_per_dag
        self.priority_weight = priority_weight
        self.queue = queue
        self.doc_md = doc_md
        self.start_date = to_utc(start_date) if start_date is not None else None
        self.end_date = to_utc(end_date) if end_date is not None else None
        self.do_xcom_push = do_xcom_push
        self.multiple_outputs = multiple_outputs
        #: Ids of the direct upstream tasks.
        self.upstream_task_ids: set[str] = set()
        #: Ids of the direct downstream tasks.
        self.downstream_task_ids: set[str] = set()
        self._dag: OwningDag | None = None
        if group is not None:
            group.add(self)
        dag = dag or current_dag()
        if dag is not None:
            self.dag = dag

    def __repr__(self) -> str:
        return f"<Task({type(self).__name__}): {self.task_id}>"

    # --- DAG membership ------------------------------------------------------------------

    @property
    def dag(self) -> OwningDag | None:
        """The DAG this task belongs to."""
        return self._dag

    @dag.setter
    def dag(self, dag: OwningDag) -> None:
        if self._dag is dag:
            return
        if self._dag is not None:
            raise DagDefinitionError(
                f"task {self.task_id!r} already belongs to DAG {self._dag.dag_id!r}; it cannot "
                f"move to {dag.dag_id!r}"
            )
        dag.add_task(self)
        self._dag = dag
        if len(dag.params):
            merged = dag.params.copy()
            for key in self.params:
                merged[key] = self.params.get_param(key)
            self.params = merged
        if self.start_date is None:
            self.start_date = dag.start_date
        if self.end_date is None:
            self.end_date = dag.end_date

    @property
    def dag_id(self) -> str | None:
        """Id of the DAG this task belongs to."""
        return self._dag.dag_id if self._dag is not None else None

    @staticmethod
    def task_log(context: Context) -> logging.Logger:
        """The logger of the running try (``context["ti"].log``, which writes the task's log file)."""
        log = getattr(context.get("ti"), "log", None)
        return log if isinstance(log, logging.Logger) else logging.getLogger("taskloom.task")

    @property
    def output(self) -> XComArg:
        """This task's return value, as an :class:`XComArg` for downstream tasks."""
        return XComArg(self)

    # --- dependencies --------------------------------------------------------------------

    def _relatives(self, others: DependencyTarget, upstream: bool) -> list[BaseOperator]:
        items: Iterable[object]
        if isinstance(others, (BaseOperator, XComArg, str)) or not isinstance(others, Sequence):
            items = [others]  # one task; a str is one (wrong) item too, reported below
        else:
            items = others
        result = []
        for item in items:
            group_tasks = getattr(item, "dependency_tasks", None)  # a TaskGroup
            if group_tasks is not None and not isinstance(item, BaseOperator):
                result.extend(group_tasks(upstream))
                continue
            task = item.operator if isinstance(item, XComArg) else item
            if not isinstance(task, BaseOperator):
                raise TypeError(
                    f"task {self.task_id!r}: dependencies must be tasks, XComArgs or lists of "
                    f"them, got {item!r}"
                )
            result.append(task)
        return result

    def _link(self, others: DependencyTarget, *, upstream: bool) -> None:
        for other in self._relatives(others, upstream):
            if other is self:
                raise DagDefinitionError(
                    f"task {self.task_id!r} cannot depend on itself (in DAG {self.dag_id!r})"
                )
            dag = self._dag or other._dag
            if dag is not None:
                if self._dag is None:
                    self.dag = dag
                if other._dag is None:
                    other.dag = dag
                if self._dag is not other._dag:
                    raise DagDefinitionError(
                        f"tasks {self.task_id!r} (DAG {self.dag_id!r}) and {other.task_id!r} "
                        f"(DAG {other.dag_id!r}) are in different DAGs and cannot depend on each other"
                    )
            if upstream:
                self.upstream_task_ids.add(other.task_id)
                other.downstream_task_ids.add(self.task_id)
            else:
                self.downstream_task_ids.add(other.task_id)
                other.upstream_task_ids.add(self.task_id)

    def set_upstream(self, others: DependencyTarget) -> None:
        """Make this task run after ``others`` (a task, an XComArg or a list of them)."""
        self._link(others, upstream=True)

    def set_downstream(self, others: DependencyTarget) -> None:
        """Make this task run before ``others`` (a task, an XComArg or a list of them)."""
        self._link(others, upstream=False)

    def __rshift__(self, other: DependencyTarget) -> DependencyTarget:
        self.set_downstream(other)
        return other

    def __lshift__(self, other: DependencyTarget) -> DependencyTarget:
        self.set_upstream(other)
        return other

    def __rrshift__(self, other: DependencyTarget) -> BaseOperator:
        # [a, b] >> self
        self.set_upstream(other)
        return self

    def __rlshift__(self, other: DependencyTarget) -> BaseOperator:
        # [a, b] << self
        self.set_downstream(other)
        return self

    @property
    def upstream_list(self) -> list[BaseOperator]:
        """The direct upstream tasks (needs the DAG to resolve ids)."""
        return [self._require_dag().task_dict[t] for t in self.upstream_task_ids]

    @property
    def downstream_list(self) -> list[BaseOperator]:
        """The direct downstream tasks (needs the DAG to resolve ids)."""
        return [self._require_dag().task_dict[t] for t in self.downstream_task_ids]

    def get_direct_relative_ids(self, upstream: bool = False) -> set[str]:
        """Ids of the direct upstream (or downstream) tasks."""
        return set(self.upstream_task_ids if upstream else self.downstream_task_ids)

    def get_flat_relative_ids(self, upstream: bool = False) -> set[str]:
        """Ids of every task reachable downstream (or upstream), in one linear walk."""
        tasks = self._require_dag().task_dict
        found: set[str] = set()
        todo = list(self.upstream_task_ids if upstream else self.downstream_task_ids)
        while todo:
            tid = todo.pop()
            if tid in found:
                continue
            found.add(tid)
            task = tasks[tid]
            todo.extend(task.upstream_task_ids if upstream else task.downstream_task_ids)
        return found

    def get_flat_relatives(self, upstream: bool = False) -> list[BaseOperator]:
        """Every task reachable downstream (or upstream)."""
        tasks = self._require_dag().task_dict
        return [tasks[t] for t in self.get_flat_relative_ids(upstream=upstream)]

    def _require_dag(self) -> OwningDag:
        if self._dag is None:
            raise DagDefinitionError(f"task {self.task_id!r} is not in a DAG yet")
        return self._dag

    def _set_xcomarg_dependencies(self) -> None:
        """Run after the tasks whose XComArgs appear in this task's templated fields."""
        for field in self.template_fields:
            for arg in iter_xcom_args(getattr(self, field, None)):
                self.set_upstream(arg.operator)

    # --- retries -------------------------------------------------------------------------

    def retry_delay_for(self, try_number: int) -> timedelta:
        """How long to wait before retrying after try ``try_number`` (1 = the first try) failed.

        Without backoff it is ``retry_delay``.  With ``retry_exponential_backoff`` it is
        ``retry_delay * 2 ** (try_number - 1)`` (deterministic, no jitter), capped by
        ``max_retry_delay`` (default one day).
        """
        if not self.retry_exponential_backoff:
            return self.retry_delay
        cap = self.max_retry_delay or MAX_RETRY_DELAY
        exponent = max(try_number - 1, 0)
        if exponent > 62:
            return cap
        try:
            delay = self.retry_delay * (1 << exponent)
        except OverflowError:
            return cap
        return min(delay, cap)

    # --- templates and execution ---------------------------------------------------------

    def render_template_fields(
        self, context: Context, jinja_env: Environment | None = None
    ) -> None:
        """Render every field in :attr:`template_fields` in place, from ``context``.

        Rendering again (the next run of the same task object) starts from the templates,
        unless a field was assigned a new value since.

        :raises TemplateRenderError: naming the task, the field and the cause (for an
            undefined variable, its name).
        """
        if jinja_env is None:
            if self._dag is not None:
                jinja_env = self._dag.get_template_env()
            else:
                from taskloom.utils.templating import create_environment

                jinja_env = create_environment()
        # The same task object may run several times in one process (sequential executor,
        # catchup): render from the template each time, not from the previous run's result.
        sources: dict[str, tuple[Any, Any]] = self.__dict__.setdefault("_rendered_from", {})
        for field in self.template_fields:
            value = getattr(self, field)
            previous = sources.get(field)
            if previous is not None and value is previous[1]:
                value = previous[0]
            rendered = self.render_template(value, context, jinja_env, field=field)
            sources[field] = (value, rendered)
            setattr(self, field, rendered)

    def render_template(
        self, content: Any, context: Context, jinja_env: Environment, *, field: str = "?"
    ) -> Any:
        """Render ``content``: strings (and ``template_ext`` files), XComArgs, and containers
        of them, recursively; other values are returned unchanged."""
        import jinja2

        if isinstance(content, str):
            try:
                if self.template_ext and content.endswith(tuple(self.template_ext)):
                    template = jinja_env.get_template(content)
                    if template.filename:
                        with open(template.filename, encoding="utf-8") as source:
                            self._warn_legacy_keys(source.read(), jinja_env)
                else:
                    self._warn_legacy_keys(content, jinja_env)
                    template = jinja_env.from_string(content)
                return template.render(context)
            except jinja2.UndefinedError as exc:
                raise TemplateRenderError(
                    f"task {self.task_id!r}, field {field!r}: {exc.message}; define it (params, "
                    "user_defined_macros) or use a default: {{ name | default('') }}"
                ) from None
            except jinja2.TemplateNotFound as exc:
                searchpath = getattr(jinja_env.loader, "searchpath", [])
                raise TemplateRenderError(
                    f"task {self.task_id!r}, field {field!r}: template file {exc.name!r} not "
                    f"found in {searchpath}; put it beside the DAG file or add its folder to "
                    "the DAG's template_searchpath"
                ) from None
            except jinja2.TemplateSyntaxError as exc:
                where = f"{exc.filename or exc.name or 'template'}, line {exc.lineno}"
                raise TemplateRenderError(
                    f"task {self.task_id!r}, field {field!r}: syntax error in {where}: {exc.message}"
                ) from None
            except jinja2.TemplateError as exc:  # e.g. SecurityError from the sandbox
                raise TemplateRenderError(
                    f"task {self.task_id!r}, field {field!r}: {type(exc).__name__}: {exc}"
                ) from None
        if isinstance(content, XComArg):
            return content.resolve(context)
        if isinstance(content, tuple):
            rendered = [self.render_template(v, context, jinja_env, field=field) for v in content]
            return type(content)(*rendered) if hasattr(content, "_fields") else tuple(rendered)
        if isinstance(content, list):
            return [self.render_template(v, context, jinja_env, field=field) for v in content]
        if isinstance(content, dict):
            return {
                k: self.render_template(v, context, jinja_env, field=field)
                for k, v in content.items()
            }
        if isinstance(content, (set, frozenset)):
            return type(content)(
                self.render_template(v, context, jinja_env, field=field) for v in content
            )
        return content

    def _warn_legacy_keys(self, source: str, jinja_env: Environment) -> None:
        """Warn (once per task, at the task's line) for each 1.x context key the template reads."""
        from taskloom.utils.legacy_context import REPLACEMENTS

        if not any(key in source for key in REPLACEMENTS):
            return
        from jinja2 import meta

        from taskloom.utils.legacy_context import warn_for_names

        names = meta.find_undeclared_variables(jinja_env.parse(source))
        filename, _, line = (self.defined_at or "<unknown>:0").rpartition(":")
        warn_for_names(names, self, filename, int(line))

    def execute(self, context: Context) -> Any:
        """Do the task's work; the return value is pushed as XCom when ``do_xcom_push``."""
        raise NotImplementedError(f"{type(self).__name__} must implement execute(context)")


def chain(*tasks: DependencyTarget) -> None:
    """Make each argument run after the previous one: ``chain(a, [b, c], d)``.

    Two adjacent lists must have the same length and are paired element-wise
    (``chain([a, b], [c, d])`` means ``a >> c`` and ``b >> d``).
    """
    for up, down in itertools.pairwise(tasks):
        up_is_list = not isinstance(up, (BaseOperator, XComArg))
        down_is_list = not isinstance(down, (BaseOperator, XComArg))
        if up_is_list and down_is_list:
            ups, downs = list(up), list(down)  # type: ignore[arg-type]
            if len(ups) != len(downs):
                raise DagDefinitionError(
                    f"chain() got adjacent lists of different lengths ({len(ups)} and "
                    f"{len(downs)}); pair them up or use cross_downstream()"
                )
            for u, d in zip(ups, downs, strict=True):
                u >> d
        elif up_is_list:
            for u in up:  # type: ignore[union-attr]
                u >> down
        else:
            up >> down  # type: ignore[operator]


def cross_downstream(
    from_tasks: Sequence[BaseOperator | XComArg], to_tasks: DependencyTarget
) -> None:
    """Make every task of ``to_tasks`` run after every task of ``from_tasks``."""
    for task in from_tasks:
        task.set_downstream(to_tasks)
