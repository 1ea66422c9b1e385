"""What executors that supervise task processes share: the hard limit of a task's
``execution_timeout``, and how they describe a workload whose process died or was killed.

The task runner raises :class:`~taskloom.exceptions.TaskloomTaskTimeout` in the task
when its ``execution_timeout`` passes (SIGALRM), and the task fails the usual way.  A
task stuck in C code, or one that blocks SIGALRM, never sees that signal: so the
executor watches from outside and SIGKILLs the process once the task has run
``execution_timeout`` plus ``[core] execution_timeout_grace_seconds`` (default 5).  The
grace also covers the runner's own failure handling (recording the try, the
``on_failure_callback``) after a timeout that the task did see.  The executor then
reports the workload as died (``Event(key, None, killed_message(...))``) and the
scheduler fails or retries the try and runs its callbacks, as for any process that died.
"""

from __future__ import annotations

import signal
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Final

if TYPE_CHECKING:
    from taskloom.execution.workload import Workload
    from taskloom.models.dag import DAG

#: ``[core] execution_timeout_grace_seconds`` when it is not set.
DEFAULT_GRACE_SECONDS: Final = 5.0


def grace_seconds() -> float:
    """``[core] execution_timeout_grace_seconds``: how long past its ``execution_timeout``
    a task's process may run before it is killed.

    :raises ConfigurationError: if the setting is not a number >= 0.
    """
    from taskloom.configuration import conf
    from taskloom.exceptions import ConfigurationError

    value = conf.getfloat("core", "execution_timeout_grace_seconds", DEFAULT_GRACE_SECONDS)
    if not value >= 0:  # also NaN
        raise ConfigurationError(
            f"setting [core] execution_timeout_grace_seconds must be a number >= 0, got "
            f"{value!r}; fix TASKLOOM__CORE__EXECUTION_TIMEOUT_GRACE_SECONDS or taskloom.toml"
        )
    return value


def execution_timeout_seconds(workload: Workload, dags: dict[str, DAG]) -> float | None:
    """The ``execution_timeout`` of the workload's task in seconds, ``None`` without one (or
    when the DAG is not loaded: the workload then fails to start, and says why)."""
    dag = dags.get(workload.dag_id)
    task = dag.task_dict.get(workload.task_id) if dag is not None else None
    limit = getattr(task, "execution_timeout", None)
    if limit is None or limit.total_seconds() <= 0:
        return None
    return float(limit.total_seconds())


def killed_message(timeout_seconds: float, grace: float) -> str:
    """The ``Event.info`` of a workload killed for running past its execution_timeout."""
    return (
        f"killed: ran longer than its execution_timeout ({timedelta(seconds=timeout_seconds)}) "
        f"and did not stop within {grace:g} s (a task stuck in C code or blocking SIGALRM)"
    )


def describe_death(exitcode: int | None) -> str:
    """The ``Event.info`` of a workload whose process died with ``exitcode``."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = str(-exitcode)
        return f"the worker process was killed by {name}"
    return f"the worker process exited with status {exitcode} while running the task"
