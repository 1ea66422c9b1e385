"""The sequential executor: runs each workload in this process, one at a time.

For debugging and ``taskloom dags test``: a breakpoint in a task stops right there, and
there is no process start-up cost.  A task that crashes the process takes the caller
with it -- use the ``local`` executor when that matters.

The exception: a task with an ``execution_timeout`` runs in a forked child (where it
keeps the terminal, so a breakpoint still works), because only a process can be killed
when the task is stuck in C code or blocks SIGALRM and ignores the timeout
(:mod:`taskloom.executors.supervision`).  Where ``fork`` does not exist, such a task runs
in-process too, and only the SIGALRM timeout applies.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import time
from collections import deque
from typing import Any
from typing import NoReturn

from taskloom.execution.worker import execute_workload
from taskloom.execution.workload import Event
from taskloom.execution.workload import Workload
from taskloom.executors import supervision
from taskloom.executors.base import BaseExecutor
from taskloom.models.taskinstance import TaskInstanceKey


class SequentialExecutor(BaseExecutor):
    """Run workloads in-process, in the order they were queued."""

    def __init__(self, parallelism: int | None = None) -> None:
        super().__init__(parallelism=1)
        self._pending: deque[Workload] = deque()
        #: Seconds past a task's execution_timeout before its child is killed.
        self.grace = supervision.grace_seconds()
        #: Events of workloads :meth:`terminate` dropped.
        self._dropped: list[Event] = []

    @property
    def open_slots(self) -> int:
        """Accept a batch: the tasks still run one at a time, but the scheduler writes
        their ``queued`` states in one commit."""
        return 64

    def queue(self, workload: Workload) -> None:
        """Accept a workload; it runs during the next :meth:`sync`."""
        self.running[workload.key] = workload
        self._pending.append(workload)

    def terminate(self, key: TaskInstanceKey, reason: str) -> None:
        """Drop ``key``'s workload if it has not run yet (:meth:`sync` reports it, as died);
        one that runs is never stopped, since :meth:`sync` returns only when it ended."""
        for workload in self._pending:
            if workload.key == key:
                self._pending.remove(workload)
                del self.running[key]
                self._dropped.append(Event(key, None, f"not started: {reason}"))
                return

    def sync(self, timeout: float = 0.0) -> list[Event]:
        """Run every pending workload now and report each one (with none, wait ``timeout``:
        nothing can end before the caller queues more)."""
        events, self._dropped = self._dropped, []
        if not self._pending and not events:
            time.sleep(timeout)
        while self._pending:
            workload = self._pending.popleft()
            limit = supervision.execution_timeout_seconds(workload, self.dags)
            if limit is not None and hasattr(os, "fork"):
                events.append(self._run_forked(workload, limit))
            else:
                try:
                    events.append(Event(workload.key, execute_workload(workload, self.dags)))
                except Exception as exc:  # noqa: BLE001 -- reported as a failed try, never crashes the loop
                    events.append(Event(workload.key, None, _could_not_start(exc)))
            del self.running[workload.key]
        return events

    def _run_forked(self, workload: Workload, limit: float) -> Event:
        """Run the workload in a forked child; SIGKILL it ``limit`` + grace seconds on."""
        read_end, write_end = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # or the child would write the parent's buffered output again
        pid = os.fork()
        if pid == 0:  # the child: run the task, send the outcome, exit without cleanup
            os.close(read_end)
            _child_main(write_end, workload, self.dags)
        os.close(write_end)
        try:
            data, finished = _read_until(read_end, time.monotonic() + limit + self.grace)
            if not finished:
                os.kill(pid, signal.SIGKILL)
        except BaseException:  # Ctrl-C while waiting: the task stops with the caller
            os.kill(pid, signal.SIGKILL)
            raise
        finally:
            os.close(read_end)
            _, status = os.waitpid(pid, 0)
        if not finished:
            return Event(workload.key, None, supervision.killed_message(limit, self.grace))
        if not data:
            return Event(
                workload.key, None, supervision.describe_death(os.waitstatus_to_exitcode(status))
            )
        status_name, payload = pickle.loads(data)
        return (
            Event(workload.key, payload)
            if status_name == "ok"
            else Event(workload.key, None, payload)
        )


def _could_not_start(exc: Exception) -> str:
    return f"could not start: {type(exc).__name__}: {exc}"


def _child_main(channel: int, workload: Workload, dags: dict[str, Any]) -> NoReturn:
    """Body of the forked child: run the workload, write its pickled outcome, ``_exit``."""
    code = 0
    try:
        try:
            reply: tuple[str, Any] = ("ok", execute_workload(workload, dags))
        except Exception as exc:  # noqa: BLE001 -- reported as a failed try
            reply = ("error", _could_not_start(exc))
        data = pickle.dumps(reply)
        view = memoryview(data)
        while view:
            view = view[os.write(channel, view) :]
    except BaseException:  # noqa: BLE001 -- Ctrl-C or a broken pipe: no outcome, the parent says so
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        # Skip interpreter teardown: the parent's objects (its DB connection) are not ours.
        os._exit(code)


def _read_until(fd: int, deadline: float) -> tuple[bytes, bool]:
    """Everything written to ``fd`` until its writer closes it: ``(data, True)``; or what
    came before ``deadline``, ``(data, False)``."""
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return b"".join(chunks), False
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
