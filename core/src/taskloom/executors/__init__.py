"""Executors: where task instances run.

The setting ``[core] executor`` picks one: ``sequential``, ``local`` (the default), the
short name a provider declares in its ``provider.json`` (``celery``, from
``taskloom-provider-celery``), or the dotted path of a
:class:`~taskloom.executors.base.BaseExecutor` subclass.  A provider's executor module
is imported only when it is the one chosen.
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


def executor_class_path(name: str) -> str:
    """The class path ``name`` stands for: core's, a provider's short name, or ``name`` itself.

    :raises ExecutorLoadError: for a short name that no usable installed provider declares,
        naming the distribution to install when it is one of taskloom's.
    """
    from taskloom.exceptions import ExecutorLoadError

    if name in EXECUTORS:
        return EXECUTORS[name]
    if "." in name:
        return name
    from taskloom.providers_manager import get_registry
    from taskloom.registry.install_hints import executor_install_hint

    path = get_registry().executor_class_path(name)
    if path is None:
        raise ExecutorLoadError(
            f"no installed provider declares the executor {name!r} ([core] executor / "
            f"TASKLOOM__CORE__EXECUTOR); {executor_install_hint(name)}; "
            f"core's own are {', '.join(EXECUTORS)}"
        )
    return path


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
    path = executor_class_path(name)
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ExecutorLoadError(
            f"cannot load executor {name!r} ({exc}); set [core] executor "
            f"(TASKLOOM__CORE__EXECUTOR) to {', '.join(EXECUTORS)}, a provider's executor name "
            "or the dotted path of a BaseExecutor subclass from an installed provider"
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, BaseExecutor)):
        raise ExecutorLoadError(
            f"executor {name!r} ({path}) is not a BaseExecutor subclass; fix [core] executor"
        )
    return cls(parallelism=parallelism or None)
