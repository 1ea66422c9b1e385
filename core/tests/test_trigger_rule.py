"""Trigger rules: every rule against every combination of up to three upstream states."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from authoring_runs import run_dag

from taskloom import DAG
from taskloom.exceptions import InvalidTriggerRuleError
from taskloom.exceptions import TaskloomSkipException
from taskloom.operators.empty import EmptyOperator
from taskloom.operators.python import PythonOperator
from taskloom.utils.trigger_rule import Decision
from taskloom.utils.trigger_rule import TriggerRule
from taskloom.utils.trigger_rule import UpstreamStates
from taskloom.utils.trigger_rule import evaluate

# Upstream states a task can see; None stands for any unfinished state.
STATES = [None, "success", "skipped", "failed", "upstream_failed"]
FAILED = {"failed", "upstream_failed"}


def oracle(rule: str, states: list[str | None]) -> Decision:
    """Airflow's documented semantics, written independently of the implementation."""
    done = all(s is not None for s in states)
    ok = {s for s in states if s is not None}
    any_failed = bool(ok & FAILED)
    if not states or rule == "always":
        return Decision.RUN
    if rule == "all_success":
        if any_failed:
            return Decision.UPSTREAM_FAILED
        if "skipped" in ok:
            return Decision.SKIP
        return Decision.RUN if done else Decision.WAIT
    if rule == "all_failed":
        if ok & {"success", "skipped"}:
            return Decision.SKIP
        return Decision.RUN if done else Decision.WAIT
    if rule == "all_done":
        return Decision.RUN if done else Decision.WAIT
    if rule == "all_skipped":
        if ok - {"skipped"}:
            return Decision.SKIP
        return Decision.RUN if done else Decision.WAIT
    if rule == "one_success":
        if "success" in ok:
            return Decision.RUN
        if done:
            return Decision.SKIP if ok == {"skipped"} else Decision.UPSTREAM_FAILED
        return Decision.WAIT
    if rule == "one_failed":
        if any_failed:
            return Decision.RUN
        return Decision.SKIP if done else Decision.WAIT
    if rule == "one_done":
        if ok & {"success", "failed"}:
            return Decision.RUN
        return Decision.SKIP if done else Decision.WAIT
    if rule == "none_failed":
        if any_failed:
            return Decision.UPSTREAM_FAILED
        return Decision.RUN if done else Decision.WAIT
    if rule == "none_failed_min_one_success":
        if any_failed:
            return Decision.UPSTREAM_FAILED
        if done and ok == {"skipped"}:
            return Decision.SKIP
        return Decision.RUN if done else Decision.WAIT
    if rule == "none_skipped":
        if "skipped" in ok:
            return Decision.SKIP
        return Decision.RUN if done else Decision.WAIT
    raise AssertionError(rule)


def all_combinations() -> list[tuple[str | None, ...]]:
    return [combo for n in range(4) for combo in itertools.product(STATES, repeat=n)]


@pytest.mark.parametrize("rule", list(TriggerRule))
def test_evaluate_matches_airflow_semantics(rule: TriggerRule) -> None:
    """evaluate() agrees with the independent oracle for every upstream combination."""
    for combo in all_combinations():
        upstream = UpstreamStates.from_states(list(combo))
        assert evaluate(rule, upstream) is oracle(rule.value, list(combo)), (rule, combo)


def test_skip_propagates_through_all_success() -> None:
    """A skipped upstream skips an all_success task (it does not fail it)."""
    upstream = UpstreamStates.from_states(["success", "skipped"])
    assert evaluate("all_success", upstream) is Decision.SKIP


def test_none_failed_min_one_success_joins_branches() -> None:
    """The join after a branch runs when one branch succeeded and the other was skipped."""
    upstream = UpstreamStates.from_states(["skipped", "success"])
    assert evaluate(TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS, upstream) is Decision.RUN
    assert evaluate(TriggerRule.ALL_SUCCESS, upstream) is Decision.SKIP


def test_one_success_waits_until_one_success_or_all_done() -> None:
    """one_success waits while upstreams run, runs on the first success."""
    assert evaluate("one_success", UpstreamStates.from_states([None, "failed"])) is Decision.WAIT
    assert evaluate("one_success", UpstreamStates.from_states([None, "success"])) is Decision.RUN
    assert (
        evaluate("one_success", UpstreamStates.from_states(["failed", "skipped"]))
        is Decision.UPSTREAM_FAILED
    )


def test_removed_counts_as_done() -> None:
    """A removed upstream is finished: all_done runs, its count is in ``done`` only."""
    upstream = UpstreamStates.from_states(["removed", "success"])
    assert upstream == UpstreamStates(success=1, done=2, total=2)
    assert evaluate("all_done", upstream) is Decision.RUN


def test_unknown_rule_lists_valid_rules() -> None:
    """An unknown rule names the value and the valid ones."""
    with pytest.raises(InvalidTriggerRuleError, match=r"'all_sucess'.*all_success, all_failed"):
        TriggerRule.coerce("all_sucess")
    with pytest.raises(InvalidTriggerRuleError):
        evaluate("nope", UpstreamStates())


def test_trigger_rules_end_to_end() -> None:
    """Through the real runtime: a failed and a skipped upstream steer each rule as documented."""

    def fail() -> None:
        raise RuntimeError("task fails on purpose")

    def skip() -> None:
        raise TaskloomSkipException("nothing to do")

    with DAG("rules") as dag:
        ok = EmptyOperator(task_id="ok")
        bad = PythonOperator(task_id="bad", python_callable=fail)
        skipped = PythonOperator(task_id="skipped", python_callable=skip)

        def node(rule: str, *upstream: Any) -> EmptyOperator:
            task = EmptyOperator(
                task_id=f"{rule}_{'_'.join(u.task_id for u in upstream)}", trigger_rule=rule
            )
            task.set_upstream(list(upstream))
            return task

        node("all_done", ok, bad, skipped)
        node("one_failed", ok, bad)
        below = node("all_success", ok, bad)
        EmptyOperator(task_id="below").set_upstream(below)
        node("none_failed", ok, skipped)
        node("none_skipped", ok, skipped)
        node("all_failed", bad)
        node("one_success", bad, skipped)
        node("always", bad)
        node("none_failed_min_one_success", skipped)
    result = run_dag(dag)
    assert result.states == {
        "ok": "success",
        "bad": "failed",
        "skipped": "skipped",
        "all_done_ok_bad_skipped": "success",
        "one_failed_ok_bad": "success",
        "all_success_ok_bad": "upstream_failed",
        "below": "upstream_failed",
        "none_failed_ok_skipped": "success",
        "none_skipped_ok_skipped": "skipped",
        "all_failed_bad": "success",
        "one_success_bad_skipped": "upstream_failed",
        "always_bad": "success",
        "none_failed_min_one_success_skipped": "skipped",
    }
    assert result.state == "failed"
