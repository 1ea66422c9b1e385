"""BaseOperator: arguments and default_args, dependencies, chain, retries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from taskloom import DAG
from taskloom.exceptions import DagDefinitionError
from taskloom.exceptions import InvalidTriggerRuleError
from taskloom.models.baseoperator import BaseOperator
from taskloom.models.baseoperator import chain
from taskloom.models.baseoperator import cross_downstream
from taskloom.operators.empty import EmptyOperator
from taskloom.utils.helpers import chain as legacy_chain
from taskloom.utils.trigger_rule import TriggerRule


class Greeter(BaseOperator):
    """A small custom operator, as users write them."""

    template_fields = ("greeting",)

    def __init__(self, *, greeting: str = "hello", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.greeting = greeting

    def execute(self, context: Any) -> str:
        return self.greeting


def test_defaults() -> None:
    """An operator without options gets Airflow's defaults."""
    t = EmptyOperator(task_id="t")
    assert (t.owner, t.retries, t.retry_delay) == ("taskloom", 0, timedelta(minutes=5))
    assert t.trigger_rule is TriggerRule.ALL_SUCCESS
    assert t.do_xcom_push
    assert t.dag is None


def test_default_args_fill_arguments_of_every_class_in_the_hierarchy() -> None:
    """DAG default_args fill BaseOperator and subclass arguments; explicit ones win."""
    defaults = {"retries": 3, "owner": "data", "greeting": "hi", "not_an_argument": 1}
    with DAG("d", default_args=defaults):
        plain = Greeter(task_id="plain")
        explicit = Greeter(task_id="explicit", retries=0, greeting="yo")
        empty = EmptyOperator(task_id="empty")
    assert (plain.retries, plain.owner, plain.greeting) == (3, "data", "hi")
    assert (explicit.retries, explicit.greeting) == (0, "yo")
    assert empty.retries == 3


def test_operator_default_args_override_dag_default_args() -> None:
    """default_args on the operator win over the DAG's."""
    with DAG("d", default_args={"retries": 3}):
        t = EmptyOperator(task_id="t", default_args={"retries": 5})
    assert t.retries == 5


def test_unknown_argument_names_operator_and_argument() -> None:
    """A misspelt argument raises TypeError naming the operator, the task and the argument."""
    with pytest.raises(TypeError, match=r"Greeter \(task_id 't'\).*'retires'"):
        Greeter(task_id="t", retires=3)


def test_positional_arguments_are_rejected() -> None:
    """Operators take keywords only, as in Airflow."""
    with pytest.raises(TypeError, match="by keyword"):
        EmptyOperator("t")  # type: ignore[call-arg]


def test_unknown_trigger_rule() -> None:
    """An unknown trigger_rule raises listing the valid ones."""
    with pytest.raises(InvalidTriggerRuleError, match=r"'sometimes'.*none_failed_min_one_success"):
        EmptyOperator(task_id="t", trigger_rule="sometimes")


def test_timedeltas_accept_seconds() -> None:
    """retry_delay and execution_timeout accept seconds; other types raise."""
    t = EmptyOperator(task_id="t", retry_delay=30, execution_timeout=1.5)
    assert t.retry_delay == timedelta(seconds=30)
    assert t.execution_timeout == timedelta(seconds=1.5)
    with pytest.raises(TypeError, match="retry_delay"):
        EmptyOperator(task_id="u", retry_delay="soon")  # type: ignore[arg-type]


def test_shift_operators_with_lists() -> None:
    """>> and << with tasks and lists, in both directions, set both sides of each edge."""
    with DAG("d"):
        a, b, c, d, e = (EmptyOperator(task_id=x) for x in "abcde")
        a >> [b, c]
        [b, c] >> d
        e << d
    assert a.downstream_task_ids == {"b", "c"}
    assert d.upstream_task_ids == {"b", "c"}
    assert b.upstream_task_ids == {"a"}
    assert e.upstream_task_ids == {"d"}
    assert a.get_flat_relative_ids() == {"b", "c", "d", "e"}
    assert {t.task_id for t in e.get_flat_relatives(upstream=True)} == {"a", "b", "c", "d"}
    assert {t.task_id for t in d.upstream_list} == {"b", "c"}
    assert {t.task_id for t in a.downstream_list} == {"b", "c"}


def test_set_upstream_and_downstream_with_lists() -> None:
    """set_upstream/set_downstream accept a task or a list."""
    with DAG("d"):
        a, b, c = (EmptyOperator(task_id=x) for x in "abc")
        c.set_upstream([a, b])
        a.set_downstream(b)
    assert c.upstream_task_ids == {"a", "b"}
    assert b.upstream_task_ids == {"a"}


def test_dependency_pulls_task_into_dag() -> None:
    """A task without a DAG joins the DAG of the task it is linked to."""
    with DAG("d") as dag:
        a = EmptyOperator(task_id="a")
    loose = EmptyOperator(task_id="loose")
    a >> loose
    assert loose.dag is dag
    assert dag.has_task("loose")


def test_non_task_dependency_is_rejected() -> None:
    """Linking to something that is not a task raises naming it."""
    a = EmptyOperator(task_id="a")
    with pytest.raises(TypeError, match="'oops'"):
        a >> "oops"  # type: ignore[operator]


def test_chain_pairs_lists_and_fans_in_and_out() -> None:
    """chain(a, [b, c], [d, e], f): a fans out, lists pair up, then fan in."""
    with DAG("d"):
        a, b, c, d, e, f = (EmptyOperator(task_id=x) for x in "abcdef")
        chain(a, [b, c], [d, e], f)
    assert a.downstream_task_ids == {"b", "c"}
    assert b.downstream_task_ids == {"d"}
    assert c.downstream_task_ids == {"e"}
    assert f.upstream_task_ids == {"d", "e"}


def test_chain_rejects_lists_of_different_lengths() -> None:
    """Adjacent lists of different lengths cannot be paired."""
    with DAG("d"):
        a, b, c = (EmptyOperator(task_id=x) for x in "abc")
        with pytest.raises(DagDefinitionError, match="different lengths"):
            chain([a, b], [c])


def test_cross_downstream_and_legacy_chain() -> None:
    """cross_downstream links every pair; utils.helpers.chain is the same function."""
    with DAG("d"):
        a, b, c, d = (EmptyOperator(task_id=x) for x in "abcd")
        cross_downstream([a, b], [c, d])
    assert c.upstream_task_ids == {"a", "b"}
    assert d.upstream_task_ids == {"a", "b"}
    assert legacy_chain is chain


def test_retry_delay_without_backoff_is_constant() -> None:
    """Without backoff every retry waits retry_delay."""
    t = EmptyOperator(task_id="t", retry_delay=timedelta(seconds=10))
    assert [t.retry_delay_for(n) for n in (1, 2, 5)] == [timedelta(seconds=10)] * 3


def test_retry_delay_exponential_backoff_is_capped() -> None:
    """Backoff doubles per failed try and stops at max_retry_delay."""
    t = EmptyOperator(
        task_id="t",
        retry_delay=timedelta(seconds=10),
        retry_exponential_backoff=True,
        max_retry_delay=timedelta(seconds=60),
    )
    assert [t.retry_delay_for(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]
    uncapped = EmptyOperator(task_id="u", retry_delay=1, retry_exponential_backoff=True)
    assert uncapped.retry_delay_for(1000) == timedelta(days=1)


def test_params_merge_dag_then_task() -> None:
    """Task params are merged over the DAG's; default_args params merge too."""
    with DAG("d", params={"a": 1, "b": 2}, default_args={"params": {"c": 3}}):
        t = EmptyOperator(task_id="t", params={"b": 20})
    assert dict(t.params) == {"a": 1, "b": 20, "c": 3}


def test_execute_must_be_implemented() -> None:
    """BaseOperator.execute raises naming the class to fix."""
    with pytest.raises(NotImplementedError, match="BaseOperator"):
        BaseOperator(task_id="t").execute({})


def test_output_is_an_xcom_arg() -> None:
    """task.output refers to the task's return value."""
    t = EmptyOperator(task_id="t")
    assert (t.output.operator, t.output.key) == (t, "return_value")
