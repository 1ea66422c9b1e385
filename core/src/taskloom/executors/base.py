"""The executor interface: where task instances run.

The scheduler (and ``dags test``, ``dags backfill``) hands an executor
:class:`Workload` objects and collects :class:`Event` objects back.  An executor never
decides *whether* a task runs -- only *where*.  The task runner
(:func:`taskloom.execution.task_runner.run_task`) records each try in the metadata DB
before the executor reports it, so an executor only has to report which workloads
ended, and say so when one died without a word (the scheduler then fails the try).

A provider adds an executor by subclassing :class:`BaseExecutor` and naming the class
in the setting ``[core] executor`` (``my_provider.executors.MyExecutor``)::

    class MyExecutor(BaseExecutor):
        def queue(self, workload): ...
        def sync(self, timeout=0.0): ...

Lifecycle: ``start()`` once, then any number of ``queue()``/``sync()`` calls, then
``end()`` (which waits for queued work unless ``terminate=True``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

# Re-exported: executor authors (providers) import them from here, the documented place.
from taskloom.execution.workload import Event as Event
from taskloom.execution.workload import Workload as Workload
from taskloom.models.taskinstance import TaskInstanceKey

if TYPE_CHECKING:
    from taskloom.models.baseoperator import BaseOperator
    from taskloom.models.dag import DAG


class BaseExecutor:
    """Base class of executors (public API; see the module docstring).

    :param parallelism: how many workloads may run at once (``[core] parallelism``,
        default ``os.cpu_count()``).
    """

    def __init__(self, parallelism: int | None = None) -> None:
        #: How many workloads may run at once.
        self.parallelism: int = max(1, parallelism or os.cpu_count() or 1)
        #: DAGs the scheduler already loaded, by id; in-process executors (and forked
        #: workers) run tasks from these instead of parsing the DAG file again.
        self.dags: dict[str, DAG] = {}
        #: Workloads queued or running, by key.
        self.running: dict[TaskInstanceKey, Workload] = {}

    @property
    def open_slots(self) -> int:
        """How many more workloads :meth:`queue` should be given now."""
        return self.parallelism - len(self.running)

    def start(self) -> None:
        """Prepare to run workloads (start worker processes, open connections)."""

    def queue(self, workload: Workload) -> None:
        """Accept a workload; it runs when a slot is free."""
        raise NotImplementedError

    def sync(self, timeout: float = 0.0) -> list[Event]:
        """Return the workloads that ended since the last call.

        :param timeout: seconds to wait for at least one event when none is ready.
        """
        raise NotImplementedError

    def terminate(self, key: TaskInstanceKey, reason: str) -> None:
        """Stop the workload of ``key`` if it runs (its run timed out): kill its process
        where this executor can.  The scheduler already recorded the outcome; whatever the
        workload reports afterwards is ignored.  By default: nothing (the task runs on, and
        cannot record an outcome any more)."""

    def end(self, terminate: bool = False) -> None:
        """Stop: wait for running workloads (or kill them, with ``terminate``) and release resources."""


#: The queue of an operator that did not set ``queue=`` (``BaseOperator``'s default).
UNSET_QUEUE = "default"


def task_queue(task: BaseOperator, default: str) -> str:
    """The queue ``task`` goes to, for executors with queues.

    Its operator's ``queue=``; else the ``"queue"`` its provider declares in
    ``provider.json`` (the provider of the operator's module, or the manifest-only provider
    a declarative operator reads, named by its ``provider`` attribute); else ``default``.
    """
    if task.queue != UNSET_QUEUE:
        return task.queue
    from taskloom.providers_manager import get_registry

    registry = get_registry()
    queue = registry.default_queue(type(task).__module__)
    provider = getattr(task, "provider", None)
    if queue is None and isinstance(provider, str):
        queue = registry.default_queue(f"taskloom.providers.{provider}")
    return queue or default
