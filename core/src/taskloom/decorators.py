"""The ``@task`` decorator: write a task as a plain function; its return value flows through XCom.

::

    with DAG("etl", schedule="@daily", start_date=datetime(2024, 1, 1)):

        @task
        def extract() -> dict[str, int]:
            return {"a": 1, "b": 2}

        @task
        def total(data: dict[str, int]) -> int:
            return sum(data.values())

        total(extract())   # extract >> total; total receives extract's return value

Calling the decorated function inside a DAG creates a task and returns an
:class:`~taskloom.models.xcom_arg.XComArg`; XComArgs passed as arguments make the new task
depend on their tasks and are replaced by the pulled values when it runs.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any
from typing import Generic
from typing import ParamSpec
from typing import TypeVar
from typing import overload

from taskloom.models.dag import DAG
from taskloom.models.dag import current_dag
from taskloom.models.xcom_arg import XComArg
from taskloom.operators.python import PythonOperator

_P = ParamSpec("_P")
_R = TypeVar("_R")


class DecoratedPythonOperator(PythonOperator):
    """The operator behind a ``@task`` function (shown as ``@task`` in graphs)."""

    custom_operator_name = "@task"


def _infer_multiple_outputs(func: Callable[..., Any]) -> bool:
    """True when the function is annotated to return a mapping (``-> dict[str, int]``)."""
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # noqa: BLE001 -- unresolvable annotations just mean "no inference"
        return False
    returns = hints.get("return")
    origin = typing.get_origin(returns) or returns
    return isinstance(origin, type) and issubclass(origin, Mapping)


class TaskDecorator(Generic[_P, _R]):
    """A function decorated with ``@task``: call it in a DAG to add a task."""

    def __init__(self, function: Callable[_P, _R], **operator_kwargs: Any) -> None:
        #: The undecorated function (call it directly in unit tests).
        self.function = function
        self.operator_kwargs = operator_kwargs
        self._signature = inspect.signature(function)
        functools.update_wrapper(self, function)

    def __repr__(self) -> str:
        return f"<@task {self.function.__qualname__}>"

    def __call__(self, *args: Any, **kwargs: Any) -> XComArg:
        # Arguments are typed Any, not _P: a DAG file passes XComArgs where the function
        # expects the values they resolve to.
        try:
            self._signature.bind_partial(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"@task {self.function.__name__}(): {exc}") from None
        options = dict(self.operator_kwargs)
        if options.get("multiple_outputs") is None:
            options["multiple_outputs"] = _infer_multiple_outputs(self.function)
        task_id = options.pop("task_id", None) or self.function.__name__
        dag = options.get("dag") or current_dag()
        if dag is not None:
            task_id = dag.unique_task_id(task_id)
        if "doc_md" not in options and self.function.__doc__:
            options["doc_md"] = inspect.cleandoc(self.function.__doc__)
        operator = DecoratedPythonOperator(
            task_id=task_id,
            python_callable=self.function,
            op_args=list(args),
            op_kwargs=dict(kwargs),
            **options,
        )
        return XComArg(operator)

    def override(self, **operator_kwargs: Any) -> TaskDecorator[_P, _R]:
        """The same function with other operator arguments: ``extract.override(task_id="x")()``."""
        return TaskDecorator(self.function, **{**self.operator_kwargs, **operator_kwargs})


class TaskDecoratorCollection:
    """``task``: ``@task``, ``@task(retries=2, multiple_outputs=True)`` or ``@task.python``."""

    @overload
    def python(self, python_callable: Callable[_P, _R]) -> TaskDecorator[_P, _R]: ...

    @overload
    def python(
        self, python_callable: None = None, **operator_kwargs: Any
    ) -> Callable[[Callable[_P, _R]], TaskDecorator[_P, _R]]: ...

    def python(
        self, python_callable: Callable[_P, _R] | None = None, **operator_kwargs: Any
    ) -> TaskDecorator[_P, _R] | Callable[[Callable[_P, _R]], TaskDecorator[_P, _R]]:
        """Turn a function into a task factory (any operator argument may be given)."""

        def decorate(function: Callable[_P, _R]) -> TaskDecorator[_P, _R]:
            return TaskDecorator(function, **operator_kwargs)

        if python_callable is not None:
            return decorate(python_callable)
        return decorate

    __call__ = python


#: The ``@task`` decorator (``from taskloom import task``).
task = TaskDecoratorCollection()


def dag(
    dag_id: str | None = None, **dag_kwargs: Any
) -> Callable[[Callable[_P, object]], Callable[_P, DAG]]:
    """Turn a function that builds tasks into a DAG factory (Airflow's ``@dag``)::

        @dag(schedule="@daily", start_date=datetime(2024, 1, 1))
        def etl():
            load(extract())

        etl()   # creates the DAG "etl"; the DAG folder loader finds it

    :param dag_id: defaults to the function's name.
    :param dag_kwargs: any :class:`~taskloom.models.dag.DAG` argument; the function's
        docstring becomes ``doc_md`` unless given.  The function's own arguments are passed
        through when the factory is called; unlike Airflow they do not become DAG params
        (use ``params=``).
    """

    def decorate(function: Callable[_P, object]) -> Callable[_P, DAG]:
        @functools.wraps(function)
        def factory(*args: _P.args, **kwargs: _P.kwargs) -> DAG:
            options = dict(dag_kwargs)
            if "doc_md" not in options and function.__doc__:
                options["doc_md"] = inspect.cleandoc(function.__doc__)
            with DAG(dag_id or function.__name__, **options) as built:
                function(*args, **kwargs)
            return built

        return factory

    return decorate
