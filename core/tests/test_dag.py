"""DAG: ids, membership, graph queries, topological order, cycles and validation."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest

import taskloom
from taskloom import DAG
from taskloom.exceptions import DagCycleError
from taskloom.exceptions import DagDefinitionError
from taskloom.exceptions import DuplicateTaskIdError
from taskloom.exceptions import InvalidIdError
from taskloom.exceptions import ParamValidationError
from taskloom.models.baseoperator import chain
from taskloom.models.param import Param
from taskloom.operators.empty import EmptyOperator


def test_taskloom_dag_is_the_model_class() -> None:
    """``from taskloom import DAG`` is taskloom.models.dag.DAG."""
    from taskloom.models.dag import DAG as ModelDAG

    assert taskloom.DAG is ModelDAG


def test_context_manager_adds_tasks_and_records_file() -> None:
    """Operators created inside ``with DAG`` join it; fileloc is this file."""
    with DAG("ctx", description="d", tags=["a"]) as dag:
        a = EmptyOperator(task_id="a")
    b = EmptyOperator(task_id="b", dag=dag)
    assert dag.task_dict == {"a": a, "b": b}
    assert dag.tasks == [a, b]
    assert dag.get_task("a") is a
    assert a.dag is dag
    assert a.dag_id == "ctx"
    assert dag.fileloc == __file__
    assert dag.folder == str(Path(__file__).parent)
    assert dag.tags == ["a"]


def test_nested_context_managers() -> None:
    """The innermost open DAG wins, and the outer one is current again after it closes."""
    with DAG("outer") as outer:
        with DAG("inner") as inner:
            i = EmptyOperator(task_id="i")
        o = EmptyOperator(task_id="o")
    assert i.dag is inner
    assert o.dag is outer


def test_get_task_unknown_names_dag() -> None:
    """get_task of an unknown id raises KeyError naming the DAG and the task."""
    with pytest.raises(KeyError, match=r"'x'.*'nope'"):
        DAG("x").get_task("nope")


@pytest.mark.parametrize("bad", ["has space", "semi;colon", "", "a" * 251, "ünïcode"])
def test_bad_dag_id(bad: str) -> None:
    """A dag_id outside [A-Za-z0-9_.-]{1,250} raises naming the value and this file."""
    with pytest.raises(InvalidIdError) as info:
        DAG(bad)
    assert repr(bad) in str(info.value)
    assert f"{__file__}:" in str(info.value)


def test_bad_task_id() -> None:
    """A bad task_id raises naming the value."""
    with pytest.raises(InvalidIdError, match="'a/b'"):
        EmptyOperator(task_id="a/b")


def test_long_valid_id_is_accepted() -> None:
    """250 characters is the limit, inclusive."""
    assert DAG("a" * 250).dag_id == "a" * 250


def test_duplicate_task_id_names_id_dag_and_line() -> None:
    """A second task with the same id raises naming the id, the DAG and where it was declared."""
    with DAG("dup"):
        EmptyOperator(task_id="t")
        with pytest.raises(DuplicateTaskIdError, match=rf"'t'.*'dup'.*{__file__}:\d+"):
            EmptyOperator(task_id="t")


def test_roots_leaves_and_topological_sort() -> None:
    """roots/leaves and an order where every task follows its upstream tasks."""
    with DAG("g") as dag:
        a, b, c, d = (EmptyOperator(task_id=x) for x in "abcd")
        a >> [b, c] >> d
    assert dag.roots == [a]
    assert dag.leaves == [d]
    order = [t.task_id for t in dag.topological_sort()]
    assert order[0] == "a"
    assert order[-1] == "d"
    assert set(order[1:3]) == {"b", "c"}


def test_cycle_is_reported_with_its_path() -> None:
    """A cycle raises naming the tasks in arrow order and the DAG file."""
    with DAG("cyc") as dag:
        a, b, c, d = (EmptyOperator(task_id=x) for x in "abcd")
        d >> a >> b >> c >> a
    with pytest.raises(DagCycleError) as info:
        dag.topological_sort()
    message = str(info.value)
    assert "'cyc'" in message
    assert __file__ in message
    cycle = message.split("cycle: ")[1].split(";")[0]
    assert cycle in ("a -> b -> c -> a", "b -> c -> a -> b", "c -> a -> b -> c")
    with pytest.raises(DagCycleError):
        dag.validate()


def test_self_dependency_is_rejected() -> None:
    """A task cannot depend on itself."""
    with DAG("self"):
        a = EmptyOperator(task_id="a")
        with pytest.raises(DagDefinitionError, match="itself"):
            a >> a


def test_validate_catches_task_outside_dag() -> None:
    """A dependency on a task that never joined the DAG is reported by validate()."""
    loose_a = EmptyOperator(task_id="a")
    loose_b = EmptyOperator(task_id="b")
    loose_a >> loose_b
    dag = DAG("v")
    loose_a.dag = dag
    with pytest.raises(DagDefinitionError, match="'b', which is not in this DAG"):
        dag.validate()


def test_catchup_without_start_date_is_invalid() -> None:
    """catchup=True on a scheduled DAG needs a start_date."""
    with pytest.raises(DagDefinitionError, match="start_date"):
        DAG("c", schedule="@daily", catchup=True).validate()


def test_start_date_from_default_args() -> None:
    """start_date may come from default_args, as in Airflow; tasks inherit it."""
    with DAG("s", default_args={"start_date": datetime(2024, 1, 1)}) as dag:
        t = EmptyOperator(task_id="t")
    assert dag.start_date == datetime(2024, 1, 1, tzinfo=UTC)
    assert t.start_date == dag.start_date


def test_task_cannot_move_between_dags() -> None:
    """Assigning a task to a second DAG raises."""
    first = DAG("first")
    t = EmptyOperator(task_id="t", dag=first)
    with pytest.raises(DagDefinitionError, match="already belongs"):
        t.dag = DAG("second")


def test_dependencies_across_dags_are_rejected() -> None:
    """Tasks of different DAGs cannot depend on each other."""
    a = EmptyOperator(task_id="a", dag=DAG("one"))
    b = EmptyOperator(task_id="b", dag=DAG("two"))
    with pytest.raises(DagDefinitionError, match="different DAGs"):
        a >> b


def test_unique_task_id_suffixes() -> None:
    """unique_task_id gives base, base__1, base__2... without rescanning the DAG."""
    with DAG("u") as dag:
        for _ in range(3):
            EmptyOperator(task_id=dag.unique_task_id("x"))
    assert dag.task_ids == ["x", "x__1", "x__2"]


def test_large_linear_dag_builds_and_sorts() -> None:
    """A 10,000-task chain builds, validates and sorts (linear algorithms, no recursion)."""
    with DAG("big") as dag:
        tasks = [EmptyOperator(task_id=f"t{i}") for i in range(10_000)]
        chain(*tasks)
    dag.validate()
    order = dag.topological_sort()
    assert order[0].task_id == "t0"
    assert order[-1].task_id == "t9999"
    assert len(tasks[0].get_flat_relative_ids()) == 9_999


def test_validate_checks_param_defaults() -> None:
    """A default breaking its Param, or a required param on a scheduled DAG, is reported."""
    with pytest.raises(
        ParamValidationError, match=r"DAG 'p'.*param 'n': value 'x' is not of type integer"
    ):
        DAG("p", params={"n": Param("x", type="integer")}).validate()
    with pytest.raises(DagDefinitionError, match="'needed' has no default"):
        DAG("q", schedule="@daily", params={"needed": Param(type="string")}).validate()
    DAG("r", params={"needed": Param(type="string")}).validate()
