"""The local executor: a pool of long-lived worker processes on this machine.

Each worker is forked once and runs workloads one after another, so a task costs a
message on a pipe, not a process start.  The executor supervises every worker: a
worker that dies while it runs a task (segfault, ``os._exit``, the OOM killer's
SIGKILL) is noticed through its process sentinel, its workload is reported as died --
the scheduler fails that try and retries it -- and a fresh worker takes its place.
A task that runs past its ``execution_timeout`` and the grace period without stopping
(stuck in C code, or blocking SIGALRM) has its worker SIGKILLed the same way
(:mod:`taskloom.executors.supervision`).
Workers die with their parent (``PR_SET_PDEATHSIG`` on Linux, a parent check
elsewhere), so a killed scheduler leaves no orphan running tasks.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass
from dataclasses import field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait
from multiprocessing.context import ForkContext
from multiprocessing.context import SpawnContext
from typing import TYPE_CHECKING
from typing import Any

from taskloom.execution.workload import Event
from taskloom.execution.workload import Workload
from taskloom.executors import supervision
from taskloom.executors.base import BaseExecutor

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from taskloom.models.dag import DAG
    from taskloom.models.taskinstance import TaskInstanceKey

#: Seconds a worker waits for work before checking that its parent is still alive.
_PARENT_CHECK_SECONDS = 1.0
# What a worker shares with its supervisor (a shared array of doubles), by index: how many
# workloads it started, and the running one's kill time (``time.monotonic()``, 0 for none)
# and execution_timeout in seconds.
_STARTED, _DEADLINE, _TIMEOUT = 0, 1, 2


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 == PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover -- a libc without prctl: rely on the poll
        pass


def _worker_main(
    channel: Connection, dags: dict[str, DAG], parent_pid: int, shared: Any, grace: float
) -> None:
    """Body of a worker process: run workloads from ``channel`` until told to stop.

    :param shared: the array it shares with the supervisor (``_STARTED``, ...).
    :param grace: seconds past a task's execution_timeout before the supervisor kills it.
    """
    _die_with_parent()
    # Ctrl-C reaches the whole process group; the scheduler decides what workers do.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from taskloom.execution.worker import execute_workload
    from taskloom.execution.worker import resolve_dag

    while True:
        if not channel.poll(_PARENT_CHECK_SECONDS):
            if os.getppid() != parent_pid:
                break
            continue
        try:
            workload = channel.recv()
        except EOFError:
            break
        if workload is None:
            break
        shared[_STARTED] += 1
        limit = None
        with contextlib.suppress(Exception):  # execute_workload reports why it cannot start
            resolve_dag(workload, dags)
            limit = supervision.execution_timeout_seconds(workload, dags)
        if limit is not None:
            shared[_TIMEOUT] = limit
            shared[_DEADLINE] = time.monotonic() + limit + grace
        try:
            reply: tuple[str, Any] = ("ok", execute_workload(workload, dags, cache_runs=True))
        except Exception as exc:  # noqa: BLE001 -- reported to the scheduler as a failed try
            reply = ("error", f"could not start: {type(exc).__name__}: {exc}")
        shared[_DEADLINE] = 0.0  # before the reply: an expired deadline means no reply was sent
        channel.send(reply)
    channel.close()
    # Skip interpreter teardown: finalizers of objects inherited from the parent (its DB
    # connection) must not run here.
    os._exit(0)


#: Workloads sent ahead to each worker, so it starts the next one without waiting for the
#: scheduler's next loop iteration.
_PREFETCH = 2

#: Workloads the executor accepts per worker: the rest wait in the executor's queue, so
#: the scheduler marks tasks ``queued`` in batches rather than one commit per task.
_QUEUE_FACTOR = 8


@dataclass
class _Worker:
    process: BaseProcess
    channel: Connection
    #: Shared with the worker: a ctypes array of doubles ``[_STARTED, _DEADLINE, _TIMEOUT]``.
    shared: Any
    #: Sent to the worker and not reported yet; the first one is running (if it started).
    assigned: deque[Workload] = field(default_factory=deque)
    #: Replies received: the worker runs a workload while it started more than this.
    done: int = 0
    #: Why the supervisor killed the worker (execution_timeout overrun, or :meth:`terminate`).
    killed: str = ""

    def overdue(self, now: float) -> bool:
        deadline = self.shared[_DEADLINE]
        return bool(deadline) and now >= deadline


class LocalExecutor(BaseExecutor):
    """Run workloads in a supervised pool of ``parallelism`` worker processes."""

    def __init__(self, parallelism: int | None = None) -> None:
        super().__init__(parallelism)
        self._pending: deque[Workload] = deque()
        self._workers: list[_Worker] = []
        #: Seconds past a task's execution_timeout before its worker is killed.
        self.grace = supervision.grace_seconds()
        #: Events of workloads :meth:`terminate` dropped before a worker got them.
        self._dropped: list[Event] = []
        methods = multiprocessing.get_all_start_methods()
        # fork: workers inherit the DAGs the scheduler already parsed (no re-parse per worker).
        self._ctx: ForkContext | SpawnContext = multiprocessing.get_context(
            "fork" if "fork" in methods else "spawn"
        )  # type: ignore[assignment]

    @property
    def open_slots(self) -> int:
        """Accept a few workloads per worker beyond the running ones (see ``_QUEUE_FACTOR``)."""
        return self.parallelism * _QUEUE_FACTOR - len(self.running)

    def start(self) -> None:
        """Start the worker processes."""
        self._workers = [self._spawn() for _ in range(self.parallelism)]

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._ctx.Pipe()
        dags = self.dags if self._ctx.get_start_method() == "fork" else {}
        shared = self._ctx.RawArray("d", 3)
        process = self._ctx.Process(
            target=_worker_main,
            args=(child_end, dags, os.getpid(), shared, self.grace),
            name="taskloom-worker",
            daemon=True,
        )
        process.start()
        child_end.close()
        return _Worker(process, parent_end, shared)

    def queue(self, workload: Workload) -> None:
        """Accept a workload; it is sent to the next idle worker."""
        self.running[workload.key] = workload
        self._pending.append(workload)
        self._dispatch()

    def _dispatch(self) -> None:
        for index, worker in enumerate(self._workers):
            if not worker.assigned and not worker.process.is_alive():
                # Died while idle (killed from outside): nothing was lost, replace it.
                worker.process.join()
                worker.channel.close()
                self._workers[index] = self._spawn()
        for depth in range(1, _PREFETCH + 1):
            for worker in self._workers:
                if not self._pending:
                    return
                if len(worker.assigned) < depth:
                    workload = self._pending.popleft()
                    worker.assigned.append(workload)
                    # A worker that died is replaced in sync(), and this workload re-queued.
                    with contextlib.suppress(OSError):
                        worker.channel.send(workload)

    def terminate(self, key: TaskInstanceKey, reason: str) -> None:
        """Kill the worker running ``key`` (a fresh one takes its place), or drop the
        workload if no worker has it yet; either way :meth:`sync` reports it, as died.

        A workload already sent ahead to a busy worker (``_PREFETCH``) is left to it: its
        start is refused (the task instance is no longer queued)."""
        for workload in self._pending:
            if workload.key == key:
                self._pending.remove(workload)
                self.running.pop(key, None)
                self._dropped.append(Event(key, None, f"not started: {reason}"))
                return
        for worker in self._workers:
            if (
                worker.assigned
                and worker.assigned[0].key == key
                and worker.shared[_STARTED] > worker.done
                and worker.process.is_alive()
            ):
                worker.killed = f"killed: {reason}"
                worker.process.kill()
                worker.process.join()
                return

    def sync(self, timeout: float = 0.0) -> list[Event]:
        """Collect finished workloads; replace workers that died, reporting their workloads."""
        self._dispatch()
        dropped, self._dropped = self._dropped, []
        busy = [w for w in self._workers if w.assigned]
        if not busy:
            if not dropped:
                # Nothing can end before the caller queues more: wait as asked, so an idle
                # scheduler's loop sleeps instead of spinning (and taking CPU from others).
                time.sleep(timeout)
            return dropped
        waitables: list[Any] = [w.channel for w in busy] + [w.process.sentinel for w in busy]
        deadlines = [w.shared[_DEADLINE] for w in busy if w.shared[_DEADLINE]]
        if deadlines:
            timeout = max(0.0, min(timeout, min(deadlines) - time.monotonic()))
        wait(waitables, timeout=timeout)
        self._kill_overdue(busy)
        events: list[Event] = dropped
        for index, worker in enumerate(self._workers):
            if worker.assigned and not self._collect(worker, events):
                # The worker died: its running workload was reported; re-queue the
                # ones it had not started, and replace it.
                worker.channel.close()
                self._pending.extendleft(reversed(worker.assigned))
                self._workers[index] = self._spawn()
        self._dispatch()
        return events

    def _kill_overdue(self, busy: list[_Worker]) -> None:
        """SIGKILL the workers whose task overran its execution_timeout and the grace."""
        now = time.monotonic()
        for worker in busy:
            if worker.overdue(now) and worker.process.is_alive():
                worker.killed = supervision.killed_message(worker.shared[_TIMEOUT], self.grace)
                worker.process.kill()
                worker.process.join()

    def _collect(self, worker: _Worker, events: list[Event]) -> bool:
        """Append the worker's finished workloads to ``events``; return whether it is alive."""
        try:
            while worker.assigned and worker.channel.poll():
                status, payload = worker.channel.recv()
                workload = worker.assigned.popleft()
                worker.done += 1
                self.running.pop(workload.key, None)
                events.append(
                    Event(workload.key, payload)
                    if status == "ok"
                    else Event(workload.key, None, str(payload))
                )
        except (EOFError, OSError):
            pass
        if worker.process.is_alive():
            return True
        worker.process.join()
        if worker.assigned and worker.shared[_STARTED] > worker.done:
            workload = worker.assigned.popleft()
            self.running.pop(workload.key, None)
            info = worker.killed or supervision.describe_death(worker.process.exitcode)
            events.append(Event(workload.key, None, info))
        return False

    def end(self, terminate: bool = False) -> None:
        """Stop the workers: let them finish their task, or kill them with ``terminate``."""
        for worker in self._workers:
            if terminate:
                worker.process.kill()
            else:
                with contextlib.suppress(OSError):
                    worker.channel.send(None)
        for worker in self._workers:
            worker.process.join(timeout=None if not terminate else 5)
            worker.channel.close()
        self._workers = []
        self._pending.clear()
        self._dropped.clear()
        self.running.clear()
