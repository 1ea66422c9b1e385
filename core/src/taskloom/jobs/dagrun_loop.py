"""Drive active DAG runs to completion through an executor.

The scheduler, ``dags backfill`` and ``dags test`` share this loop; they differ only in
which runs they add.  One :meth:`DagRunLoop.step`:

1. collects finished workloads from the executor (the runner already committed their
   state) and fails the tries of workloads that died without a word;
2. moves due retries and reschedules back to the ready queue;
3. evaluates only the tasks whose upstream changed (see :mod:`taskloom.jobs.run_state`),
   skipping or failing those that can never run;
4. queues ready tasks while the executor and ``max_active_tasks`` allow;
5. finishes runs whose tasks are all done.

All writes of one step go to the DB in one transaction, before any workload is handed
to the executor, so a crash at any moment leaves the DB consistent: a task is at worst
``queued``/``running`` without a process, which :meth:`DagRunLoop.add_run` resets.
"""

from __future__ import annotations

import heapq
import logging
import traceback
from collections import Counter
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from taskloom import store
from taskloom.exceptions import TaskloomError
from taskloom.execution.workload import Event
from taskloom.execution.workload import Workload
from taskloom.jobs.run_state import FINISHED
from taskloom.jobs.run_state import RunState
from taskloom.jobs.run_state import parse_next_try
from taskloom.models import dagrun as dagrun_model
from taskloom.utils.dates import utcnow
from taskloom.utils.trigger_rule import Decision

if TYPE_CHECKING:
    from taskloom.execution.task_runner import TaskRunResult
    from taskloom.executors.base import BaseExecutor
    from taskloom.jobs.job import Job
    from taskloom.models.dag import DAG
    from taskloom.models.dagrun import DagRun

log = logging.getLogger("taskloom.scheduler")

RunKey = tuple[str, str]
#: ``callback(run_state, task_id, state, result)`` after each task state change the loop sees.
TaskCallback = Callable[[RunState, str, str, "TaskRunResult | None"], None]


class RunOwnedElsewhereError(TaskloomError):
    """Another live process drives this DAG run (or runs one of its tasks): leave it alone."""


class DagRunLoop:
    """Runs the tasks of the DAG runs added to it, through ``executor``.

    :param on_task_done: called after each task reaches a new state (progress output).
    :param on_run_done: called with each run that finished.
    :param job: the job that drives the runs (a scheduler's); by default the loop
        registers one of its own, ended by :meth:`close`.
    """

    def __init__(
        self,
        conn: store.Connection,
        executor: BaseExecutor,
        *,
        on_task_done: TaskCallback | None = None,
        on_run_done: Callable[[RunState], None] | None = None,
        job: Job | None = None,
    ) -> None:
        from taskloom.jobs.job import Job

        self.conn = conn
        #: The job this loop drives its runs as (its own one unless given).
        self.job = job or Job("local")
        self._own_job = job is None
        self.executor = executor
        self.on_task_done = on_task_done
        self.on_run_done = on_run_done
        #: Active runs.
        self.runs: dict[RunKey, RunState] = {}
        #: Task instances whose dependencies are met, waiting for an executor slot.
        self._ready: deque[tuple[RunKey, str]] = deque()
        #: (when, run, task) of up_for_retry / up_for_reschedule task instances.
        self._waiting: list[tuple[datetime, RunKey, str]] = []
        #: depends_on_past tasks waiting for their previous run.
        self._blocked: list[tuple[RunKey, str]] = []
        #: Queued or running task instances per DAG (for ``max_active_tasks``).
        self.active_tasks: Counter[str] = Counter()
        #: Queued or running task instances per (DAG, task) (for ``max_active_tis_per_dag``).
        self.active_per_task: Counter[tuple[str, str]] = Counter()
        #: (state, dag_id, run_id, task_id) of tasks this loop skipped or failed upstream.
        self._decided: list[tuple[str, str, str, str]] = []

    # --- runs --------------------------------------------------------------------------------

    def add_run(self, dag: DAG, run: DagRun, *, max_active_runs: int | None = None) -> RunState:
        """Take charge of ``run``: load its task states and mark it running, owned by this process.

        Task instances left ``queued`` or ``running`` by a process known to be dead are
        reset and run again (:mod:`taskloom.execution.liveness` decides, from the owner's
        host, PID and process start time).

        :param max_active_runs: start the run only while fewer runs of its DAG run (counted
            under the DAG's row lock, so schedulers side by side never exceed it together).
        :raises RunOwnedElsewhereError: if another live job drives or is claiming the run,
            or still runs one of its tasks: nothing is changed, and nothing runs twice.
        :raises RunLimitReachedError: if ``max_active_runs`` runs of the DAG run already.
        """
        from taskloom.execution.liveness import current_owner
        from taskloom.execution.liveness import is_known_dead
        from taskloom.jobs.job import health_threshold
        from taskloom.store import jobs as job_store
        from taskloom.store import scheduling

        self.executor.dags.setdefault(dag.dag_id, dag)
        me = current_owner()
        with self.conn.transaction():  # the write lock: two processes never claim one run
            if max_active_runs is not None:
                if not scheduling.claim_dag(self.conn, run.dag_id):
                    raise RunOwnedElsewhereError(
                        f"DAG {run.dag_id} is being planned by another scheduler"
                    )
                if scheduling.running_runs_of(self.conn, run.dag_id) >= max_active_runs:
                    raise RunLimitReachedError(
                        f"DAG {run.dag_id} already runs max_active_runs={max_active_runs} runs"
                    )
            row = scheduling.claim_run(self.conn, run.dag_id, run.run_id)
            if row is None:
                raise RunOwnedElsewhereError(
                    f"run {run.run_id} of {run.dag_id} is being claimed by another scheduler"
                )
            driver = row[1] if row[0] == "running" else None
            if driver not in (None, self.job.id) and job_store.is_alive(
                self.conn, driver, health_threshold()
            ):
                raise RunOwnedElsewhereError(
                    f"run {run.run_id} of {run.dag_id} is driven by job {driver}, which is alive"
                )
            rows = self.conn.execute(
                "SELECT task_id, state, next_try_at, owner FROM task_instance WHERE dag_id = ? AND run_id = ?",
                (run.dag_id, run.run_id),
            ).fetchall()
            states: dict[str, str | None] = {}
            waits = []
            orphans = []
            for task_id, state, next_try, owner in rows:
                if task_id not in dag.task_dict:
                    continue
                if state == "running" and owner != me and not is_known_dead(owner):
                    raise RunOwnedElsewhereError(
                        f"task {task_id} of run {run.run_id} of {run.dag_id} still runs in process {owner}"
                    )
                if state in ("queued", "running", "scheduled"):
                    orphans.append(task_id)
                    state = None
                elif state in ("up_for_retry", "up_for_reschedule"):
                    waits.append((parse_next_try(next_try) or utcnow(), task_id))
                states[task_id] = state
            known = {row[0] for row in rows}
            missing = [tid for tid in dag.task_dict if tid not in known]
            if orphans:
                self.conn.executemany(
                    "UPDATE task_instance SET state = NULL, pid = NULL, owner = NULL WHERE dag_id = ? AND run_id = ? AND task_id = ?",
                    [(run.dag_id, run.run_id, tid) for tid in orphans],
                )
            if missing:
                dagrun_model.add_task_instances(self.conn, dag, run.run_id, missing)
            dagrun_model.set_state(self.conn, run, "running", job_id=self.job.id)
        if orphans:
            log.warning(
                "run %s of %s: reset %d orphaned task(s): %s",
                run.run_id,
                run.dag_id,
                len(orphans),
                ", ".join(sorted(orphans)),
            )
        state = RunState(dag, run, states)
        self.runs[state.key] = state
        for when, task_id in waits:
            heapq.heappush(self._waiting, (when, state.key, task_id))
        return state

    def close(self) -> None:
        """End the loop's own job (a job given to it is its owner's to end)."""
        if self._own_job:
            self.job.close()

    def refresh(self) -> int:
        """Pick up tasks of active runs that were cleared outside this loop (``taskloom tasks clear``).

        Costs one query per active run: callers run it every few seconds, not every step.
        :returns: how many cleared tasks were found.
        """
        found = 0
        for rs in self.runs.values():
            rows = self.conn.execute(
                "SELECT task_id FROM task_instance WHERE dag_id = ? AND run_id = ? AND state IS NULL",
                (rs.run.dag_id, rs.run.run_id),
            ).fetchall()
            for (task_id,) in rows:
                if rs.states.get(task_id) in FINISHED:
                    rs.set_state(task_id, None)
                    found += 1
        return found

    @property
    def idle(self) -> bool:
        """No active run left."""
        return not self.runs

    # --- one step ----------------------------------------------------------------------------

    def step(self, timeout: float = 0.0) -> int:
        """Advance every active run once; return how many task state changes happened.

        :param timeout: seconds to wait for the executor when nothing else can be done.
        """
        changes = 0
        # Wait for the executor only when nothing can be done without it.
        busy = (bool(self._ready) and self.executor.open_slots > 0) or any(
            rs.candidates for rs in self.runs.values()
        )
        for event in self.executor.sync(0.0 if busy else timeout):
            changes += self._handle_event(event)
        changes += self._wake_waiting()
        changes += self._evaluate()
        to_queue = self._take_ready()
        finished = [rs for rs in self.runs.values() if rs.unfinished == 0]
        self._flush(to_queue, finished)
        for workload in to_queue:
            self.executor.queue(workload)
        for rs in finished:
            del self.runs[rs.key]
            self._run_callbacks(rs)
            if self.on_run_done is not None:
                self.on_run_done(rs)
        return changes + len(to_queue) + len(finished)

    def _flush(self, to_queue: list[Workload], finished: list[RunState]) -> None:
        """Write the step's decisions in one transaction (one commit, however many tasks)."""
        if not self._decided and not to_queue and not finished:
            return
        now = utcnow().isoformat()
        with self.conn.transaction():
            if self._decided:
                self.conn.executemany(
                    "UPDATE task_instance SET state = ?, start_date = coalesce(start_date, ?), end_date = ? "
                    "WHERE dag_id = ? AND run_id = ? AND task_id = ?",
                    [
                        (state, now, now, dag_id, run_id, task_id)
                        for state, dag_id, run_id, task_id in self._decided
                    ],
                )
            if to_queue:
                self.conn.executemany(
                    "UPDATE task_instance SET state = 'queued' WHERE dag_id = ? AND run_id = ? AND task_id = ?",
                    [(w.dag_id, w.run_id, w.task_id) for w in to_queue],
                )
            for rs in finished:
                dagrun_model.set_state(self.conn, rs.run, rs.final_state())
        self._decided.clear()

    # --- events ------------------------------------------------------------------------------

    def _handle_event(self, event: Event) -> int:
        dag_id, run_id, task_id = event.key
        self.active_tasks[dag_id] -= 1
        self.active_per_task[dag_id, task_id] -= 1
        rs = self.runs.get((dag_id, run_id))
        if rs is None:
            return 0
        result = event.result
        if result is None:
            from taskloom.execution.task_runner import TaskRunResult

            state, next_try, try_number = self._fail_dead_try(rs, task_id, event.info)
            result = TaskRunResult(
                state, try_number, next_try_at=next_try, error=f"task died: {event.info}"
            )
        else:
            state, next_try = result.state, result.next_try_at
        rs.set_state(task_id, state)
        if state in ("up_for_retry", "up_for_reschedule"):
            heapq.heappush(self._waiting, (next_try or utcnow(), rs.key, task_id))
        self._notify(rs, task_id, state, result)
        for skipped in result.skipped:
            if skipped in rs.states and rs.states[skipped] not in FINISHED:
                rs.set_state(skipped, "skipped")
                self._notify(rs, skipped, "skipped", None)
        return 1

    def _fail_dead_try(
        self, rs: RunState, task_id: str, info: str
    ) -> tuple[str, datetime | None, int]:
        """A workload ended without reporting: fail its try (retrying if tries are left)."""
        row = self.conn.execute(
            "SELECT state, try_number, max_tries, next_try_at FROM task_instance WHERE dag_id = ? AND run_id = ? AND task_id = ?",
            (rs.run.dag_id, rs.run.run_id, task_id),
        ).fetchone()
        state, try_number, max_tries, next_try = row
        if state not in ("queued", "running"):
            # The runner committed an outcome before the process died: keep it.
            return state, parse_next_try(next_try), try_number
        if state == "queued":
            try_number += 1
        task = rs.dag.task_dict[task_id]
        retry = try_number <= max_tries
        when = utcnow() + task.retry_delay_for(try_number) if retry else None
        new_state = "up_for_retry" if retry else "failed"
        now = utcnow().isoformat()
        with self.conn.transaction():
            self.conn.execute(
                "UPDATE task_instance SET state = ?, try_number = ?, end_date = ?, next_try_at = ?, pid = NULL, owner = NULL "
                "WHERE dag_id = ? AND run_id = ? AND task_id = ?",
                (
                    new_state,
                    try_number,
                    now,
                    when.isoformat() if when else None,
                    rs.run.dag_id,
                    rs.run.run_id,
                    task_id,
                ),
            )
        from taskloom.execution.task_runner import call_killed_try_callbacks
        from taskloom.utils.log import TaskLogWriter

        log.error("task %s of run %s died: %s; marked %s", task_id, rs.run.run_id, info, new_state)
        try:
            writer = TaskLogWriter(rs.run.dag_id, rs.run.run_id, task_id, max(try_number, 1))
        except OSError as exc:
            log.error("cannot write the log of task %s of run %s: %s", task_id, rs.run.run_id, exc)
            return new_state, when, try_number
        try:
            writer.logger.error("Task died: %s; marked %s", info, new_state)
            call_killed_try_callbacks(
                self.conn,
                task,
                rs.run,
                try_number=try_number,
                state=new_state,
                reason=info,
                writer=writer,
            )
        finally:
            writer.close()
        return new_state, when, try_number

    def _notify(self, rs: RunState, task_id: str, state: str, result: TaskRunResult | None) -> None:
        if self.on_task_done is not None:
            self.on_task_done(rs, task_id, state, result)

    # --- deciding ----------------------------------------------------------------------------

    def _wake_waiting(self) -> int:
        now = utcnow()
        woken = 0
        while self._waiting and self._waiting[0][0] <= now:
            _, key, task_id = heapq.heappop(self._waiting)
            rs = self.runs.get(key)
            if rs is None or rs.states.get(task_id) not in ("up_for_retry", "up_for_reschedule"):
                continue
            rs.states[task_id] = "scheduled"  # still unfinished: no count changes
            self._ready.append((key, task_id))
            woken += 1
        return woken

    def _evaluate(self) -> int:
        decided = 0
        still_blocked = []
        for key, task_id in self._blocked:
            rs = self.runs.get(key)
            if rs is not None:
                if self._past_allows(rs, task_id):
                    self._ready.append((key, task_id))
                else:
                    still_blocked.append((key, task_id))
        self._blocked = still_blocked
        for rs in self.runs.values():
            if not rs.candidates:
                continue
            for task_id, decision in rs.decide():
                decided += 1
                if decision is Decision.RUN:
                    if rs.dag.task_dict[task_id].depends_on_past and not self._past_allows(
                        rs, task_id
                    ):
                        self._blocked.append((rs.key, task_id))
                    else:
                        self._ready.append((rs.key, task_id))
                else:
                    state = rs.states[task_id]
                    assert state is not None
                    self._decided.append((state, rs.run.dag_id, rs.run.run_id, task_id))
                    self._notify(rs, task_id, state, None)
        return decided

    def _past_allows(self, rs: RunState, task_id: str) -> bool:
        """``depends_on_past``: the task's previous run (by logical date) succeeded or was skipped."""
        row = self.conn.execute(
            "SELECT ti.state FROM task_instance ti JOIN dag_run r ON r.dag_id = ti.dag_id AND r.run_id = ti.run_id "
            "WHERE r.dag_id = ? AND ti.task_id = ? AND r.logical_date < ? ORDER BY r.logical_date DESC LIMIT 1",
            (rs.run.dag_id, task_id, rs.run.logical_date.isoformat()),
        ).fetchone()
        return row is None or row[0] in ("success", "skipped")

    def _take_ready(self) -> list[Workload]:
        slots = self.executor.open_slots
        taken: list[Workload] = []
        deferred = []
        while self._ready and len(taken) < slots:
            key, task_id = self._ready.popleft()
            rs = self.runs.get(key)
            if rs is None or rs.states.get(task_id) != "scheduled":
                continue
            dag = rs.dag
            limit = dag.task_dict[task_id].max_active_tis_per_dag
            if self.active_tasks[dag.dag_id] >= dag.max_active_tasks or (
                limit is not None and self.active_per_task[dag.dag_id, task_id] >= limit
            ):
                deferred.append((key, task_id))
                continue
            self.active_tasks[dag.dag_id] += 1
            self.active_per_task[dag.dag_id, task_id] += 1
            rs.states[task_id] = "queued"  # still unfinished: no count changes
            taken.append(Workload(dag.dag_id, rs.run.run_id, task_id, dag.fileloc))
        self._ready.extendleft(reversed(deferred))
        return taken

    # --- callbacks ---------------------------------------------------------------------------

    def _run_callbacks(self, rs: RunState) -> None:
        state = rs.run.state
        callback = getattr(
            rs.dag, "on_success_callback" if state == "success" else "on_failure_callback", None
        )
        if callback is None:
            return
        context = {"dag": rs.dag, "dag_run": rs.run, "run_id": rs.run.run_id, "reason": state}
        try:
            callback(context)
        except Exception:  # noqa: BLE001 -- a broken callback is logged, never stops the loop
            log.error(
                "DAG %s %s callback failed:\n%s", rs.dag.dag_id, state, traceback.format_exc()
            )

    # --- driving -----------------------------------------------------------------------------

    def stuck_tasks(self) -> list[tuple[str, str]]:
        """``(run_id, task_id)`` of tasks that wait forever, or ``[]`` while anything can still move.

        Only ``depends_on_past`` tasks can wait forever (their previous run failed);
        everything else finishes once its upstream does.
        """
        if (
            self.executor.running
            or self._ready
            or self._waiting
            or any(rs.candidates for rs in self.runs.values())
        ):
            return []
        return [(key[1], task_id) for key, task_id in self._blocked]

    def run_until_done(self, poll: float = 0.05) -> None:
        """Step until every added run finished.

        :raises DeadlockError: when the remaining tasks can never run.
        """
        while self.runs:
            self.step(timeout=poll)
            check_deadlock(self)


class RunLimitReachedError(RunOwnedElsewhereError):
    """The run's DAG already runs ``max_active_runs`` runs: start it later."""


class DeadlockError(TaskloomError):
    """The unfinished tasks of the runs can never run (``depends_on_past`` on a failed run)."""


def check_deadlock(loop: DagRunLoop) -> None:
    """Raise :class:`DeadlockError` naming the stuck tasks when nothing can move any more."""
    stuck = loop.stuck_tasks()
    if stuck and loop.runs:
        names = ", ".join(f"{task_id} (run {run_id})" for run_id, task_id in stuck)
        raise DeadlockError(
            f"these tasks wait for their previous run, which did not succeed (depends_on_past): {names}; "
            "clear or fix the previous run (`taskloom tasks clear`), then run again"
        )
