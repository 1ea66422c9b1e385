"""Task and DAG run states: values stored in the DB and the finished/unfinished sets."""

from __future__ import annotations

from taskloom.utils.state import FINISHED_DAG_RUN_STATES
from taskloom.utils.state import FINISHED_STATES
from taskloom.utils.state import UNFINISHED_STATES
from taskloom.utils.state import DagRunState
from taskloom.utils.state import TaskInstanceState


def test_every_task_state_is_finished_or_unfinished_exactly_once() -> None:
    """The two sets partition the task states (None, "no state yet", is unfinished)."""
    everything: set[TaskInstanceState | None] = {None, *TaskInstanceState}
    assert everything == FINISHED_STATES | UNFINISHED_STATES
    assert not FINISHED_STATES & UNFINISHED_STATES
    assert TaskInstanceState.UP_FOR_RESCHEDULE in UNFINISHED_STATES


def test_states_are_plain_strings() -> None:
    """States compare equal to the strings stored in the metadata DB."""
    assert TaskInstanceState("upstream_failed") is TaskInstanceState.UPSTREAM_FAILED
    assert str(TaskInstanceState.UPSTREAM_FAILED) == "upstream_failed"
    assert DagRunState("success") in FINISHED_DAG_RUN_STATES
    assert DagRunState.RUNNING not in FINISHED_DAG_RUN_STATES
