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
import time
import traceback
from collections import Counter
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from taskloom import store
from taskloom.exceptions import TaskloomError
from taskloom.execution.workload import Event
from taskloom.execution.workload import Workload
from taskloom.jobs.run_state import FINISHED
from taskloom.jobs.run_state import RunState
from taskloom.jobs.run_state import parse_next_try
from taskloom.models import dagrun as dagrun_model
from taskloom.models.taskinstance import TaskInstanceKey
from taskloom.store import scheduling
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


#: Seconds between looks at task instances running outside this loop's executor.
_WATCH_SECONDS = 2.0


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
        #: The last admission held every candidate back (a full pool or DAG limit).
        self._held_back = False
        #: Task instances running in processes this loop's executor does not track
        #: (adopted runs, second deliveries): followed through the DB.
        self._watched: set[tuple[RunKey, str]] = set()
        self._last_watch = 0.0

    # --- runs --------------------------------------------------------------------------------

    def add_run(self, dag: DAG, run: DagRun, *, max_active_runs: int | None = None) -> RunState:
        """Take charge of ``run``: load its task states and mark it running, driven by this
        loop's job.

        Task instances left ``queued`` by a dead driver are decided again (their workload
        may be lost; a late delivery cannot start a second try).  Those left ``running``
        are followed through the DB: they finish on their own, or are failed (retried per
        their retries, with callbacks) once their process is known dead or stops
        heartbeating.

        :param max_active_runs: start the run only while fewer runs of its DAG run (counted
            under the DAG's row lock, so schedulers side by side never exceed it together).
        :raises RunOwnedElsewhereError: if another live job drives or is claiming the run:
            nothing is changed, and nothing runs twice.
        :raises RunLimitReachedError: if ``max_active_runs`` runs of the DAG run already.
        """
        from taskloom.jobs.job import is_dead
        from taskloom.store import jobs as job_store

        self.executor.dags.setdefault(dag.dag_id, dag)
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
            if driver not in (None, self.job.id) and not is_dead(job_store.get(self.conn, driver)):
                raise RunOwnedElsewhereError(
                    f"run {run.run_id} of {run.dag_id} is driven by job {driver}, which is alive"
                )
            rows = scheduling.task_rows(self.conn, run.dag_id, run.run_id)
            states: dict[str, str | None] = {}
            waits = []
            orphans = []
            running = []
            for task_id, state, next_try in rows:
                if task_id not in dag.task_dict:
                    continue
                if state in ("queued", "scheduled"):
                    orphans.append(task_id)
                    state = None
                elif state == "running":
                    running.append(task_id)
                elif state in ("up_for_retry", "up_for_reschedule"):
                    waits.append((parse_next_try(next_try) or utcnow(), task_id))
                states[task_id] = state
            known = {row[0] for row in rows}
            missing = [tid for tid in dag.task_dict if tid not in known]
            if orphans:
                scheduling.reset_unstarted(self.conn, run.dag_id, run.run_id, orphans)
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
        run_state = RunState(dag, run, states)
        self.runs[run_state.key] = run_state
        self._watched.update((run_state.key, task_id) for task_id in running)
        if running:
            self._last_watch = 0.0  # look at them on the next step
        for when, task_id in waits:
            heapq.heappush(self._waiting, (when, run_state.key, task_id))
        return run_state

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
            for task_id in scheduling.cleared_tasks(self.conn, rs.run.dag_id, rs.run.run_id):
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
        # Wait for the executor only when nothing can be done without it (ready tasks
        # held back by a full pool or DAG limit wait too: a slot frees with an event).
        busy = (bool(self._ready) and self.executor.open_slots > 0 and not self._held_back) or any(
            rs.candidates for rs in self.runs.values()
        )
        for event in self.executor.sync(0.0 if busy else timeout):
            changes += self._handle_event(event)
            self._held_back = False
        if time.monotonic() - self._last_watch >= _WATCH_SECONDS:
            changes += self._check_running()
            self._last_watch = time.monotonic()
        changes += self._time_out_runs()
        changes += self._wake_waiting()
        changes += self._evaluate()
        candidates = self._take_ready()
        finished = [rs for rs in self.runs.values() if rs.unfinished == 0]
        to_queue = self._flush(candidates, finished)
        for workload in to_queue:
            self.executor.queue(workload)
        for rs in finished:
            del self.runs[rs.key]
            self._run_callbacks(rs)
            if self.on_run_done is not None:
                self.on_run_done(rs)
        return changes + len(to_queue) + len(finished)

    def _flush(
        self, candidates: list[tuple[RunState, str]], finished: list[RunState]
    ) -> list[Workload]:
        """Write the step's decisions in one transaction (one commit, however many tasks),
        queueing the candidates that their pools and DAG limits admit; return their workloads."""
        if not self._decided and not candidates and not finished:
            return []
        with self.conn.transaction():
            admitted = self._admit(candidates) if candidates else []
            if self._decided:
                scheduling.write_decided(self.conn, self._decided)
            if admitted:
                now = utcnow().isoformat()
                scheduling.mark_queued(
                    self.conn,
                    [
                        (
                            task.pool,
                            task.pool_slots,
                            task.queue,
                            now,
                            rs.run.dag_id,
                            rs.run.run_id,
                            task.task_id,
                        )
                        for rs, task in admitted
                    ],
                )
            for rs in finished:
                dagrun_model.set_state(self.conn, rs.run, rs.final_state())
        self._decided.clear()
        workloads = []
        for rs, task in admitted:
            dag = rs.dag
            self.active_tasks[dag.dag_id] += 1
            self.active_per_task[dag.dag_id, task.task_id] += 1
            rs.states[task.task_id] = "queued"  # still unfinished: no count changes
            workloads.append(Workload(dag.dag_id, rs.run.run_id, task.task_id, dag.fileloc))
        return workloads

    def _admit(self, candidates: list[tuple[RunState, str]]) -> list[tuple[RunState, Any]]:
        """The candidates their pool and their DAG's ``max_active_tasks`` have room for,
        counted in the DB (other schedulers' and processes' tasks included), inside the
        caller's transaction.  The others go back to the front of the ready queue; a task
        naming a pool that does not exist fails."""
        tasks = [(rs, rs.dag.task_dict[task_id]) for rs, task_id in candidates]
        slots, used, active = scheduling.admission_counts(
            self.conn,
            [rs.run.dag_id for rs, _ in tasks],
            [task.pool for _, task in tasks],
        )
        admitted, deferred = [], []
        for rs, task in tasks:
            pool, dag = task.pool, rs.dag
            if pool not in slots:
                self._fail_without_pool(rs, task.task_id, pool)
            elif (
                used.get(pool, 0) + task.pool_slots > slots[pool]
                or active.get(dag.dag_id, 0) >= dag.max_active_tasks
            ):
                deferred.append((rs.key, task.task_id))
            else:
                used[pool] = used.get(pool, 0) + task.pool_slots
                active[dag.dag_id] = active.get(dag.dag_id, 0) + 1
                admitted.append((rs, task))
        self._ready.extendleft(reversed(deferred))
        self._held_back = bool(deferred) and not admitted
        return admitted

    def _fail_without_pool(self, rs: RunState, task_id: str, pool: str) -> None:
        from taskloom.store.pools import missing_pool_message

        message = (
            f"task {task_id} of run {rs.run.run_id} of {rs.run.dag_id} cannot run: "
            f"{missing_pool_message(pool)} (or fix the task's pool=), then clear the task"
        )
        log.error("%s", message)
        rs.set_state(task_id, "failed")
        self._decided.append(("failed", rs.run.dag_id, rs.run.run_id, task_id))
        self._notify(rs, task_id, "failed", None)
        _write_task_log(rs.run.dag_id, rs.run.run_id, task_id, message)

    # --- events ------------------------------------------------------------------------------

    def _handle_event(self, event: Event) -> int:
        dag_id, run_id, task_id = event.key
        self.active_tasks[dag_id] -= 1
        self.active_per_task[dag_id, task_id] -= 1
        rs = self.runs.get((dag_id, run_id))
        if rs is None:
            return 0
        result = event.result
        if result is not None and result.state == "running":
            # The try runs in another process (a second delivery of its workload, or an
            # adopted run): watch it in the DB instead of running it twice.
            rs.states[task_id] = "running"  # still unfinished: no count changes
            self._watched.add((rs.key, task_id))
            return 0
        if result is None:
            from taskloom.execution.task_runner import TaskRunResult

            dead_state, next_try, try_number = self._fail_dead_try(rs, task_id, event.info)
            if dead_state is None:  # cleared meanwhile: decided again
                rs.set_state(task_id, None)
                return 1
            state = dead_state
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

    def _check_running(self) -> int:
        """Follow the watched task instances, and fail the tries whose process stopped
        heartbeating (killed, out of memory, machine gone) that no executor of this loop
        tracks: retried or failed per their retries, with their callbacks."""
        from taskloom.execution import heartbeat
        from taskloom.store import tries

        changes = 0
        oldest = heartbeat.cutoff()
        stale = {
            key
            for key, owner, last in scheduling.running_tries_of_job(self.conn, self.job.id)
            if heartbeat.try_is_dead(owner, last, oldest)
        }
        for (dag_id, run_id), rs in list(self.runs.items()):
            for task_id in sorted(t for (k, t) in self._watched if k == rs.key):
                row = tries.current(self.conn, (dag_id, run_id, task_id))
                state = row[0] if row is not None else None
                if state == "running" and (dag_id, run_id, task_id) not in stale:
                    continue
                self._watched.discard((rs.key, task_id))
                if state in ("running", "queued"):  # its process died without a word
                    continue  # failed below, as stale
                changes += self._apply(rs, task_id, state, row)
        for dag_id, run_id, task_id in sorted(stale):
            stale_rs = self.runs.get((dag_id, run_id))
            if (
                stale_rs is None
                or TaskInstanceKey(dag_id, run_id, task_id) in self.executor.running
            ):
                continue  # a tracked workload: its executor reports how it ends
            self._watched.discard((stale_rs.key, task_id))
            info = (
                f"its process stopped heartbeating for over {heartbeat.timeout():g} s "
                "(killed, out of memory, or its machine went away)"
            )
            state, next_try, _ = self._fail_dead_try(stale_rs, task_id, info)
            stale_rs.set_state(task_id, state)
            if state in ("up_for_retry", "up_for_reschedule"):
                heapq.heappush(self._waiting, (next_try or utcnow(), stale_rs.key, task_id))
            if state is not None:
                self._notify(stale_rs, task_id, state, None)
            changes += 1
        return changes

    def _time_out_runs(self) -> int:
        """Fail the runs that outlived their DAG's ``dagrun_timeout``: tasks not started are
        skipped, running ones are stopped and failed (with their failure callbacks), and
        the DAG's ``on_failure_callback`` gets the reason."""
        now = utcnow()
        expired = [
            rs
            for rs in self.runs.values()
            if rs.dag.dagrun_timeout is not None
            and rs.run.start_date is not None
            and now - rs.run.start_date > rs.dag.dagrun_timeout
        ]
        for rs in expired:
            self._time_out(rs, now)
        return len(expired)

    def _time_out(self, rs: RunState, now: datetime) -> None:
        from taskloom.execution.task_runner import call_killed_try_callbacks
        from taskloom.store import tries
        from taskloom.utils.log import TaskLogWriter

        run, dag = rs.run, rs.dag
        reason = f"timed_out: the run lasted longer than its dagrun_timeout ({dag.dagrun_timeout})"
        running = [t for t, state in rs.states.items() if state in ("queued", "running")]
        with self.conn.transaction():
            stopped = tries.fail_unfinished(self.conn, run.dag_id, run.run_id)
            dagrun_model.set_state(self.conn, run, "failed")
        log.error("run %s of %s %s", run.run_id, run.dag_id, reason)
        del self.runs[rs.key]
        self._watched = {(k, t) for k, t in self._watched if k != rs.key}
        for task_id in running:
            self.executor.terminate(TaskInstanceKey(run.dag_id, run.run_id, task_id), reason)
        for task_id, try_number in stopped:
            task = dag.task_dict.get(task_id)
            if task is None:
                continue
            try:
                writer = TaskLogWriter(
                    run.dag_id, run.run_id, task_id, max(try_number, 1), resume=True
                )
            except OSError as exc:
                log.error("cannot write the log of task %s of run %s: %s", task_id, run.run_id, exc)
                continue
            try:
                writer.logger.error("Stopped and marked failed: the run %s", reason)
                call_killed_try_callbacks(
                    self.conn,
                    task,
                    run,
                    try_number=try_number,
                    state="failed",
                    reason=f"the run {reason}",
                    writer=writer,
                )
            finally:
                writer.close()
        self._run_callbacks(rs, reason="timed_out")
        if self.on_run_done is not None:
            self.on_run_done(rs)

    def _apply(self, rs: RunState, task_id: str, state: str | None, row: Any) -> int:
        """Take a state another process recorded for a watched task instance."""
        if state is None:
            rs.set_state(task_id, None)  # cleared: decided again
            return 1
        rs.set_state(task_id, state)
        if state in ("up_for_retry", "up_for_reschedule"):
            heapq.heappush(self._waiting, (parse_next_try(row[4]) or utcnow(), rs.key, task_id))
        self._notify(rs, task_id, state, None)
        return 1

    def _fail_dead_try(
        self, rs: RunState, task_id: str, info: str
    ) -> tuple[str | None, datetime | None, int]:
        """A workload ended without reporting: fail its try (retrying if tries are left).

        :returns: the task instance's state, try number and next try time; the state is
            ``None`` if it was cleared meanwhile (it is decided again).
        """
        key = (rs.run.dag_id, rs.run.run_id, task_id)
        state, try_number, max_tries, next_try = scheduling.try_of(self.conn, key)
        if state not in ("queued", "running"):
            # The runner committed an outcome before the process died: keep it.
            return state, parse_next_try(next_try), try_number
        if state == "queued":
            try_number += 1
        task = rs.dag.task_dict[task_id]
        retry = try_number <= max_tries
        when = utcnow() + task.retry_delay_for(try_number) if retry else None
        new_state = "up_for_retry" if retry else "failed"
        with self.conn.transaction():
            scheduling.end_dead_try(
                self.conn,
                key,
                state=new_state,
                try_number=try_number,
                next_try_at=when.isoformat() if when else None,
            )
        from taskloom.execution.task_runner import call_killed_try_callbacks
        from taskloom.utils.log import TaskLogWriter

        log.error("task %s of run %s died: %s; marked %s", task_id, rs.run.run_id, info, new_state)
        try:
            writer = TaskLogWriter(
                rs.run.dag_id, rs.run.run_id, task_id, max(try_number, 1), resume=True
            )
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
        earlier, state = scheduling.previous_state(
            self.conn, rs.run.dag_id, task_id, rs.run.logical_date.isoformat()
        )
        return not earlier or state in ("success", "skipped")

    def _take_ready(self) -> list[tuple[RunState, str]]:
        """Ready tasks for the free executor slots, within each task's
        ``max_active_tis_per_dag`` (pools and ``max_active_tasks`` are checked in the DB
        by :meth:`_admit`)."""
        slots = self.executor.open_slots
        taken: list[tuple[RunState, str]] = []
        deferred = []
        per_task = Counter[tuple[str, str]]()
        while self._ready and len(taken) < slots:
            key, task_id = self._ready.popleft()
            rs = self.runs.get(key)
            if rs is None or rs.states.get(task_id) != "scheduled":
                continue
            limit = rs.dag.task_dict[task_id].max_active_tis_per_dag
            pair = (rs.dag.dag_id, task_id)
            if limit is not None and self.active_per_task[pair] + per_task[pair] >= limit:
                deferred.append((key, task_id))
                continue
            per_task[pair] += 1
            taken.append((rs, task_id))
        self._ready.extendleft(reversed(deferred))
        return taken

    # --- callbacks ---------------------------------------------------------------------------

    def _run_callbacks(self, rs: RunState, reason: str | None = None) -> None:
        state = rs.run.state
        callback = getattr(
            rs.dag, "on_success_callback" if state == "success" else "on_failure_callback", None
        )
        if callback is None:
            return
        context = {
            "dag": rs.dag,
            "dag_run": rs.run,
            "run_id": rs.run.run_id,
            "reason": reason or state,
        }
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


def _write_task_log(dag_id: str, run_id: str, task_id: str, message: str) -> None:
    """Put the reason a task failed without a try where its log is read."""
    from taskloom.utils.log import TaskLogWriter

    try:
        writer = TaskLogWriter(dag_id, run_id, task_id, 1, resume=True)
    except OSError as exc:
        log.error("cannot write the log of task %s of run %s: %s", task_id, run_id, exc)
        return
    try:
        writer.logger.error("%s", message)
    finally:
        writer.close()


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
