"""Executors: where task instances run.

The setting ``[core] executor`` picks one: ``sequential``, ``local`` (the default) or
the dotted path of a :class:`~taskloom.executors.base.BaseExecutor` subclass, which is
how a provider adds an executor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taskloom.executors.base import BaseExecutor

#: Short names of core's executors and their classes.
EXECUTORS = {
    "sequential": "taskloom.executors.sequential.SequentialExecutor",
    "local": "taskloom.executors.local.LocalExecutor",
}


def load_executor(name: str | None = None, parallelism: int | None = None) -> BaseExecutor:
    """Create the executor named by ``name`` (default: setting ``[core] executor``, else ``local``).

    :param parallelism: default setting ``[core] parallelism``, else ``os.cpu_count()``.
    :raises ExecutorLoadError: naming the setting and the accepted values.
    """
    from taskloom import configuration
    from taskloom.exceptions import ExecutorLoadError
    from taskloom.executors.base import BaseExecutor
    from taskloom.utils.module_loading import import_string

    name = name or str(configuration.get("core", "executor", "local"))
    if parallelism is None:
        configured = configuration.get("core", "parallelism")
        parallelism = (
            configuration.get_int("core", "parallelism", 0) if configured is not None else None
        )
    path = EXECUTORS.get(name, name)
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ExecutorLoadError(
            f"cannot load executor {name!r} ({exc}); set [core] executor "
            f"(TASKLOOM__CORE__EXECUTOR) to {', '.join(EXECUTORS)} or the dotted path of a "
            "BaseExecutor subclass from an installed provider"
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, BaseExecutor)):
        raise ExecutorLoadError(
            f"executor {name!r} ({path}) is not a BaseExecutor subclass; fix [core] executor"
        )
    return cls(parallelism=parallelism or None)
