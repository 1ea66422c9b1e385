"""The scheduler's in-memory view of one active DAG run.

Deciding which tasks can run must not cost more as the DAG grows, so nothing here
scans the run: each task keeps counts of its direct upstream tasks by state, a state
change updates only the counts of the changed task's direct downstream tasks, and only
those downstream tasks are evaluated again.  Finishing one task therefore costs
O(its downstream tasks), whatever the size of the DAG.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from taskloom.utils.trigger_rule import Decision
from taskloom.utils.trigger_rule import UpstreamStates
from taskloom.utils.trigger_rule import evaluate

if TYPE_CHECKING:
    from taskloom.models.dag import DAG
    from taskloom.models.dagrun import DagRun

#: States after which a task never changes again (unless cleared).
FINISHED = frozenset({"success", "failed", "skipped", "upstream_failed", "removed"})
#: Count slots: success, skipped, failed, upstream_failed, done.
_SLOT = {"success": 0, "skipped": 1, "failed": 2, "upstream_failed": 3}
_DONE = 4


class RunState:
    """Task states and upstream counts of one DAG run, updated incrementally."""

    def __init__(self, dag: DAG, run: DagRun, states: dict[str, str | None]) -> None:
        self.dag = dag
        self.run = run
        #: Current state per task id (``None``: not decided yet).
        self.states: dict[str, str | None] = {tid: states.get(tid) for tid in dag.task_dict}
        self._counts: dict[str, list[int]] = {tid: [0, 0, 0, 0, 0] for tid in dag.task_dict}
        #: Tasks whose upstream changed since they were last evaluated.
        self.candidates: set[str] = set()
        #: Tasks not finished yet.
        self.unfinished = 0
        for tid, state in self.states.items():
            if state not in FINISHED:
                self.unfinished += 1
                if state is None or state == "scheduled":
                    self.candidates.add(tid)
            self._count(tid, state, +1)

    @property
    def key(self) -> tuple[str, str]:
        """``(dag_id, run_id)``."""
        return self.run.dag_id, self.run.run_id

    def _count(self, task_id: str, state: str | None, delta: int) -> None:
        slot = _SLOT.get(state or "")
        done = state in FINISHED
        if slot is None and not done:
            return
        for child in self.dag.task_dict[task_id].downstream_task_ids:
            counts = self._counts[child]
            if slot is not None:
                counts[slot] += delta
            if done:
                counts[_DONE] += delta

    def set_state(self, task_id: str, state: str | None) -> None:
        """Record a new state of ``task_id`` and queue its downstream tasks for evaluation."""
        old = self.states[task_id]
        if old == state:
            return
        self._count(task_id, old, -1)
        self._count(task_id, state, +1)
        self.states[task_id] = state
        self.unfinished += (old in FINISHED) - (state in FINISHED)
        if state in FINISHED or old in FINISHED:
            self.candidates.update(self.dag.task_dict[task_id].downstream_task_ids)
        if state is None:
            self.candidates.add(task_id)

    def upstream(self, task_id: str) -> UpstreamStates:
        """The counts of ``task_id``'s direct upstream tasks by state."""
        success, skipped, failed, upstream_failed, done = self._counts[task_id]
        total = len(self.dag.task_dict[task_id].upstream_task_ids)
        return UpstreamStates(success, skipped, failed, upstream_failed, done, total)

    def decide(self) -> Iterator[tuple[str, Decision]]:
        """Evaluate the candidates; yield ``(task_id, decision)`` for each that is decided.

        ``SKIP`` and ``UPSTREAM_FAILED`` are applied here (they may make more tasks
        candidates, which are evaluated in the same pass); ``RUN`` tasks become
        ``scheduled`` and are left to the caller to queue.
        """
        while self.candidates:
            task_id = self.candidates.pop()
            if self.states[task_id] is not None:
                continue
            task = self.dag.task_dict[task_id]
            decision = evaluate(task.trigger_rule, self.upstream(task_id))
            if decision is Decision.WAIT:
                continue
            if decision is Decision.RUN:
                self.set_state(task_id, "scheduled")
            else:
                self.set_state(
                    task_id, "skipped" if decision is Decision.SKIP else "upstream_failed"
                )
            yield task_id, decision

    def final_state(self) -> str:
        """``failed`` if a leaf task failed (or never ran because of a failure), else ``success``."""
        for task in self.dag.task_dict.values():
            if not task.downstream_task_ids and self.states[task.task_id] in (
                "failed",
                "upstream_failed",
            ):
                return "failed"
        return "success"


def parse_next_try(value: str | None) -> datetime | None:
    """Parse a ``next_try_at`` column."""
    from taskloom.utils.dates import parse_datetime

    return parse_datetime(value) if value else None
