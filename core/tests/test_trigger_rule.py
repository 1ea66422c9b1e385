"""Trigger rules: every rule against every combination of up to three upstream states."""

from __future__ import annotations

import itertools

import pytest

from taskloom.exceptions import InvalidTriggerRuleError
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
