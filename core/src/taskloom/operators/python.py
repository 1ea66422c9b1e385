"""Operators that run a Python callable: plain, branching, and short-circuiting.

The callable receives the context keys its signature names (``def f(ds, ti): ...``), or
the whole context if it takes ``**kwargs``, after ``op_args`` and ``op_kwargs``.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import Context
from taskloom.models.dag_context import user_stacklevel
from taskloom.operators.branch import follow_branches
from taskloom.utils.legacy_context import callable_reads
from taskloom.utils.legacy_context import warn_for_names

_NOT_GIVEN: Any = object()


def determine_kwargs(
    python_callable: Callable[..., Any],
    op_args: Sequence[Any],
    op_kwargs: Mapping[str, Any],
    context: Mapping[str, Any],
) -> dict[str, Any]:
    """The keyword arguments to call ``python_callable`` with.

    Context keys named by parameters not already filled by ``op_args`` are passed, then
    ``op_kwargs`` (which win over the context).  A ``**kwargs`` parameter receives the
    whole context.
    """
    params = list(inspect.signature(python_callable).parameters.values())
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return {**context, **op_kwargs}
    positional = sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    filled = min(len(op_args), positional)
    kwargs = {
        p.name: context[p.name]
        for p in params[filled:]
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and p.name in context
        and p.name not in op_kwargs
    }
    kwargs.update(op_kwargs)
    return kwargs


class PythonCallableMixin:
    """A task that calls ``python_callable`` with ``op_args``, ``op_kwargs`` and the context
    keys its signature names: the one definition for :class:`PythonOperator` and
    :class:`~taskloom.sensors.python.PythonSensor`."""

    task_id: str
    python_callable: Callable[..., Any]
    op_args: list[Any]
    op_kwargs: dict[str, Any]
    templates_dict: dict[str, Any] | None

    def _set_callable(
        self,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None,
        op_kwargs: Mapping[str, Any] | None,
        templates_dict: dict[str, Any] | None,
    ) -> None:
        if not callable(python_callable):
            raise TypeError(
                f"task {self.task_id!r}: python_callable must be callable, got {python_callable!r}"
            )
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict

    def _call(self, context: Context) -> Any:
        """Call the callable; ``templates_dict`` joins the context it picks its keys from."""
        context = {**context, "templates_dict": self.templates_dict}
        kwargs = determine_kwargs(self.python_callable, self.op_args, self.op_kwargs, context)
        return self.python_callable(*self.op_args, **kwargs)


class PythonOperator(PythonCallableMixin, BaseOperator):
    """Call ``python_callable(*op_args, **op_kwargs, **<context keys it names>)``.

    :param python_callable: the function to run; its return value is the task's XCom.
    :param op_args: positional arguments (templated).
    :param op_kwargs: keyword arguments (templated).
    :param templates_dict: a dict rendered before the call and passed as
        ``templates_dict`` in the context.
    :param templates_exts: file extensions loaded as templates in ``templates_dict``
        (e.g. ``[".sql"]``).
    :param show_return_value_in_logs: log the return value (turn off for big values).
    :param provide_context: deprecated and ignored (1.x idiom); the context is always
        available by signature.
    """

    template_fields: Sequence[str] = ("templates_dict", "op_args", "op_kwargs")
    template_fields_renderers = {"templates_dict": "json", "op_args": "py", "op_kwargs": "py"}
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: Sequence[str] | None = None,
        show_return_value_in_logs: bool = True,
        provide_context: Any = _NOT_GIVEN,
        **kwargs: Any,
    ) -> None:
        if provide_context is not _NOT_GIVEN:
            warnings.warn(
                f"{type(self).__name__}(provide_context=...) is deprecated and ignored: the "
                "callable receives the context keys its signature names; remove the argument",
                DeprecationWarning,
                stacklevel=user_stacklevel(),
            )
        super().__init__(**kwargs)
        self._set_callable(python_callable, op_args, op_kwargs, templates_dict)
        if templates_exts:
            self.template_ext = tuple(templates_exts)
        self.show_return_value_in_logs = show_return_value_in_logs

    def execute(self, context: Context) -> Any:
        reads = callable_reads(self.python_callable)
        if reads:
            code = self.python_callable.__code__
            warn_for_names(reads, self, code.co_filename, code.co_firstlineno)
        return_value = self._call(context)
        log = self.task_log(context)
        if self.show_return_value_in_logs:
            log.info("Done. Returned value was: %r", return_value)
        else:
            log.info("Done. Returned value not shown")
        if self.multiple_outputs and return_value is not None:
            self._push_outputs(return_value, context)
        return return_value

    def _push_outputs(self, value: Any, context: Context) -> None:
        """Push each key of a returned dict as its own XCom (``multiple_outputs=True``)."""
        if not isinstance(value, Mapping):
            raise TypeError(
                f"task {self.task_id!r} has multiple_outputs=True, so its callable must return "
                f"a dict, not {type(value).__name__}"
            )
        ti = context["ti"]
        for key, item in value.items():
            ti.xcom_push(key=str(key), value=item)


class BranchPythonOperator(PythonOperator):
    """Run the callable, which returns the task id(s) to follow; skip the other direct
    downstream tasks (``None`` or ``[]`` skips them all)."""

    def execute(self, context: Context) -> Any:
        branch = super().execute(context)
        follow_branches(self, context, branch)
        return branch


class ShortCircuitOperator(PythonOperator):
    """Run the callable; if its result is falsy, skip downstream tasks.

    :param ignore_downstream_trigger_rules: if true (the default), skip every task
        downstream; if false, skip only the direct downstream tasks and let the trigger
        rules of the tasks further down decide.
    """

    ui_color = "#ffe6cc"

    def __init__(self, *, ignore_downstream_trigger_rules: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = ignore_downstream_trigger_rules

    def execute(self, context: Context) -> Any:
        condition = super().execute(context)
        log = self.task_log(context)
        if condition:
            log.info("Condition is true: downstream tasks proceed")
            return condition
        if self.ignore_downstream_trigger_rules:
            to_skip = self.get_flat_relative_ids(upstream=False)
        else:
            to_skip = set(self.downstream_task_ids)
        log.info("Condition is false: skipping %d downstream task(s)", len(to_skip))
        if to_skip:
            context["ti"].skip_tasks(
                sorted(to_skip), reason=f"{self.task_id!r} returned {condition!r}"
            )
        return condition
