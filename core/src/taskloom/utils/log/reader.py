"""Reading task logs wherever they are: this machine's file first, then the remote handler.

The local file wins when both exist: on the machine that ran the try it is the most
complete copy (the remote one trails it by up to a chunk while the try runs).  Any
other machine finds only the remote copy.
"""

from __future__ import annotations

from taskloom.exceptions import NotFoundError
from taskloom.exceptions import TaskLogHandlerError
from taskloom.utils.log.remote import remote_handler
from taskloom.utils.log.task_log import attempt_numbers
from taskloom.utils.log.task_log import attempts
from taskloom.utils.log.task_log import log_path
from taskloom.utils.log.task_log import relative_log_path
from taskloom.utils.log.task_log import task_folder


def log_attempts(dag_id: str, run_id: str, task_id: str) -> list[int]:
    """The tries of a task instance that have a log here or in the remote store, in order.

    :raises ConfigurationError: ``[logging] remote_base_log_folder`` cannot be used.
    :raises TaskLogHandlerError: the remote store cannot be listed.
    """
    found = set(attempts(dag_id, run_id, task_id))
    handler = remote_handler()
    if handler is not None:
        folder = task_folder(dag_id, run_id, task_id)
        try:
            names = handler.list_logs(folder)
        except TaskLogHandlerError as exc:
            raise TaskLogHandlerError(
                f"cannot list the task logs at {handler.location(folder + '/')}: {exc}"
            ) from None
        found.update(attempt_numbers(names))
    return sorted(found)


def read_log(dag_id: str, run_id: str, task_id: str, attempt: int) -> str:
    """The log of try ``attempt``: the local file, else the remote copy.

    :raises NotFoundError: it is in neither place; the message says where it looked.
    :raises TaskLogHandlerError: the remote store cannot be read.
    """
    local = log_path(dag_id, run_id, task_id, attempt)
    try:
        return local.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        pass
    handler = remote_handler()
    if handler is not None:
        relative = relative_log_path(dag_id, run_id, task_id, attempt)
        try:
            data = handler.read(relative)
        except TaskLogHandlerError as exc:
            raise TaskLogHandlerError(
                f"cannot read the task log at {handler.location(relative)}: {exc}"
            ) from None
        if data is not None:
            return data.decode("utf-8", errors="replace")
    raise NotFoundError(
        f"no log for try {attempt} of task {task_id!r} in run {run_id!r} of DAG {dag_id!r}; "
        f"looked in {where_looked(dag_id, run_id, task_id, attempt)}"
    )


def where_looked(dag_id: str, run_id: str, task_id: str, attempt: int | None = None) -> str:
    """The places a log is looked for (a try's files, or the task's folders when ``attempt``
    is ``None``), for messages."""
    local = log_path(dag_id, run_id, task_id, attempt or 1)
    places = [str(local if attempt else local.parent)]
    handler = remote_handler()
    if handler is not None:
        relative = (
            relative_log_path(dag_id, run_id, task_id, attempt)
            if attempt
            else task_folder(dag_id, run_id, task_id) + "/"
        )
        places.append(handler.location(relative))
    return " and ".join(places)
