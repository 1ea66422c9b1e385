"""The sequential executor: runs each workload in this process, one at a time.

For debugging and ``taskloom dags test``: a breakpoint in a task stops right there, and
there is no process start-up cost.  A task that crashes the process takes the caller
with it -- use the ``local`` executor when that matters.
"""

from __future__ import annotations

from collections import deque

from taskloom.execution.worker import execute_workload
from taskloom.execution.workload import Event
from taskloom.execution.workload import Workload
from taskloom.executors.base import BaseExecutor


class SequentialExecutor(BaseExecutor):
    """Run workloads in-process, in the order they were queued."""

    def __init__(self, parallelism: int | None = None) -> None:
        super().__init__(parallelism=1)
        self._pending: deque[Workload] = deque()

    @property
    def open_slots(self) -> int:
        """Accept a batch: the tasks still run one at a time, but the scheduler writes
        their ``queued`` states in one commit."""
        return 64

    def queue(self, workload: Workload) -> None:
        """Accept a workload; it runs during the next :meth:`sync`."""
        self.running[workload.key] = workload
        self._pending.append(workload)

    def sync(self, timeout: float = 0.0) -> list[Event]:
        """Run every pending workload now and report each one."""
        events = []
        while self._pending:
            workload = self._pending.popleft()
            try:
                events.append(Event(workload.key, execute_workload(workload, self.dags)))
            except Exception as exc:  # noqa: BLE001 -- reported as a failed try, never crashes the loop
                events.append(
                    Event(workload.key, None, f"could not start: {type(exc).__name__}: {exc}")
                )
            del self.running[workload.key]
        return events
