"""Trigger rules: when a task may run, given the states of its direct upstream tasks.

:func:`evaluate` is a pure function of the upstream counts, so the scheduler can call it
for thousands of tasks without touching the DB, and it can be tested exhaustively.  It
follows Airflow's ``TriggerRuleDep`` (with ``flag_upstream_failed``) exactly, including
skip propagation: an ``all_success`` task below a skipped task is skipped, not failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from taskloom.exceptions import InvalidTriggerRuleError


class TriggerRule(StrEnum):
    """The rule a task uses to decide it can run (``trigger_rule=`` on an operator)."""

    ALL_SUCCESS = "all_success"
    ALL_FAILED = "all_failed"
    ALL_DONE = "all_done"
    ALL_SKIPPED = "all_skipped"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    ONE_DONE = "one_done"
    NONE_FAILED = "none_failed"
    NONE_SKIPPED = "none_skipped"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    ALWAYS = "always"

    @classmethod
    def coerce(cls, value: str | TriggerRule) -> TriggerRule:
        """Return ``value`` as a :class:`TriggerRule`.

        :raises InvalidTriggerRuleError: naming the value and listing the valid rules.
        """
        if isinstance(value, cls):
            return value
        try:
            return cls(value)
        except ValueError:
            valid = ", ".join(rule.value for rule in cls)
            raise InvalidTriggerRuleError(
                f"unknown trigger rule {value!r}; use one of: {valid}"
            ) from None


class Decision(StrEnum):
    """What the scheduler does with a task whose upstream is in a given state."""

    #: Dependencies are met: queue the task.
    RUN = "run"
    #: The task can never run: mark it skipped (propagates skips downstream).
    SKIP = "skip"
    #: The task can never run because an upstream failed: mark it ``upstream_failed``.
    UPSTREAM_FAILED = "upstream_failed"
    #: Not decided yet: look again when an upstream task finishes.
    WAIT = "wait"


@dataclass(frozen=True, slots=True)
class UpstreamStates:
    """Counts of the direct upstream tasks of one task instance, by state.

    ``done`` counts every finished upstream (success, skipped, failed, upstream_failed and
    removed); ``total`` counts all direct upstream tasks.
    """

    success: int = 0
    skipped: int = 0
    failed: int = 0
    upstream_failed: int = 0
    done: int = 0
    total: int = 0

    @classmethod
    def from_states(cls, states: list[str | None]) -> UpstreamStates:
        """Count a list of upstream task states (``None`` for "no state yet")."""
        success = skipped = failed = upstream_failed = done = 0
        for state in states:
            if state == "success":
                success += 1
            elif state == "skipped":
                skipped += 1
            elif state == "failed":
                failed += 1
            elif state == "upstream_failed":
                upstream_failed += 1
            elif state != "removed":
                continue
            done += 1
        return cls(success, skipped, failed, upstream_failed, done, len(states))


def evaluate(rule: TriggerRule | str, upstream: UpstreamStates) -> Decision:
    """Decide whether a task with trigger rule ``rule`` runs, waits, or is skipped/failed.

    :param rule: the task's trigger rule.
    :param upstream: counts of its direct upstream tasks by state.
    :raises InvalidTriggerRuleError: for an unknown rule.
    """
    rule = TriggerRule.coerce(rule)
    if upstream.total == 0 or rule is TriggerRule.ALWAYS:
        return Decision.RUN
    decided = _final_state(rule, upstream)
    if decided is not None:
        return decided
    return Decision.RUN if _is_met(rule, upstream) else Decision.WAIT


def _final_state(rule: TriggerRule, up: UpstreamStates) -> Decision | None:
    """The state a task can already be given because it can never run (Airflow's first pass)."""
    failed_any = up.failed > 0 or up.upstream_failed > 0
    all_done = up.done >= up.total
    if rule is TriggerRule.ALL_SUCCESS:
        if failed_any:
            return Decision.UPSTREAM_FAILED
        if up.skipped:
            return Decision.SKIP
    elif rule is TriggerRule.ALL_FAILED:
        if up.success or up.skipped:
            return Decision.SKIP
    elif rule is TriggerRule.ONE_SUCCESS:
        if all_done and up.done == up.skipped:
            return Decision.SKIP
        if all_done and up.success <= 0:
            return Decision.UPSTREAM_FAILED
    elif rule is TriggerRule.ONE_FAILED:
        if all_done and not failed_any:
            return Decision.SKIP
    elif rule is TriggerRule.ONE_DONE:
        if all_done and not (up.failed or up.success):
            return Decision.SKIP
    elif rule is TriggerRule.NONE_FAILED:
        if failed_any:
            return Decision.UPSTREAM_FAILED
    elif rule is TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS:
        if failed_any:
            return Decision.UPSTREAM_FAILED
        if up.skipped == up.total:
            return Decision.SKIP
    elif rule is TriggerRule.NONE_SKIPPED:
        if up.skipped:
            return Decision.SKIP
    elif rule is TriggerRule.ALL_SKIPPED and (up.success or failed_any):
        return Decision.SKIP
    return None


def _is_met(rule: TriggerRule, up: UpstreamStates) -> bool:
    """Whether the rule's condition to run holds (Airflow's second pass)."""
    all_done = up.done >= up.total
    if rule is TriggerRule.ALL_SUCCESS:
        return up.success >= up.total
    if rule is TriggerRule.ALL_FAILED:
        return up.failed + up.upstream_failed >= up.total
    if rule is TriggerRule.ALL_DONE:
        return all_done
    if rule is TriggerRule.ALL_SKIPPED:
        return up.skipped >= up.total
    if rule is TriggerRule.ONE_SUCCESS:
        return up.success > 0
    if rule is TriggerRule.ONE_FAILED:
        return up.failed > 0 or up.upstream_failed > 0
    if rule is TriggerRule.ONE_DONE:
        return up.success + up.failed > 0
    if rule in (TriggerRule.NONE_FAILED, TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS):
        return up.success + up.skipped >= up.total
    # NONE_SKIPPED: everything finished and nothing was skipped (skips were handled above).
    return all_done
