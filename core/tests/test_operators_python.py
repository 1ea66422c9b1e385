"""PythonOperator, BranchPythonOperator and ShortCircuitOperator, run through the real runtime."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from authoring_runs import run_dag

from taskloom import DAG
from taskloom.operators.empty import EmptyOperator
from taskloom.operators.python import BranchPythonOperator
from taskloom.operators.python import PythonOperator
from taskloom.operators.python import ShortCircuitOperator
from taskloom.operators.python import determine_kwargs


def test_determine_kwargs_by_signature() -> None:
    """Only the context keys the callable names are passed; op_kwargs win; **kwargs gets all."""
    context = {"ds": "2024-01-01", "ti": "TI", "params": {}}

    def named(a: int, ds: str, other: int = 0) -> None: ...

    def everything(**kwargs: Any) -> None: ...

    def positional_ds(ds: str, ti: Any = None) -> None: ...

    assert determine_kwargs(named, [1], {"other": 2}, context) == {"ds": "2024-01-01", "other": 2}
    assert determine_kwargs(named, [1], {"ds": "mine"}, context) == {"ds": "mine"}
    assert determine_kwargs(everything, [], {"x": 1}, context) == {**context, "x": 1}
    # A parameter filled positionally by op_args is not also passed from the context.
    assert determine_kwargs(positional_ds, ["given"], {}, context) == {"ti": "TI"}


def test_callable_gets_context_args_and_rendered_kwargs() -> None:
    """op_args, templated op_kwargs and context keys reach the callable; its return is XCom."""

    def report(prefix: str, ds: str, run_id: str, table: str, params: dict[str, Any]) -> str:
        return f"{prefix}:{ds}:{run_id.split('__')[0]}:{table}:{params['limit']}"

    with DAG("py", params={"limit": 5}) as dag:
        PythonOperator(
            task_id="report",
            python_callable=report,
            op_args=["p"],
            op_kwargs={"table": "t_{{ ds_nodash }}"},
        )
    result = run_dag(dag)
    assert result.states == {"report": "success"}
    assert result.xcom("report") == "p:2024-01-01:manual:t_20240101:5"


def test_kwargs_callable_and_templates_dict(tmp_path: Path) -> None:
    """A **kwargs callable sees the whole context, with the rendered templates_dict."""
    (tmp_path / "query.sql").write_text("SELECT '{{ ds }}'")
    seen: dict[str, Any] = {}

    def grab(**kwargs: Any) -> None:
        seen.update(kwargs)

    with DAG("py", template_searchpath=str(tmp_path)) as dag:
        PythonOperator(
            task_id="grab",
            python_callable=grab,
            templates_dict={"query": "query.sql", "day": "{{ ds }}"},
            templates_exts=[".sql"],
        )
    assert run_dag(dag).states == {"grab": "success"}
    assert seen["templates_dict"] == {"query": "SELECT '2024-01-01'", "day": "2024-01-01"}
    assert {"ti", "dag_run", "logical_date", "params", "macros", "var"} <= set(seen)


def test_multiple_outputs_pushes_each_key() -> None:
    """multiple_outputs=True pushes every key of the returned dict; a non-dict fails the task."""
    with DAG("py") as dag:
        PythonOperator(
            task_id="good", python_callable=lambda: {"a": 1, "b": [2]}, multiple_outputs=True
        )
        PythonOperator(task_id="bad", python_callable=lambda: 3, multiple_outputs=True)
    result = run_dag(dag)
    assert result.states == {"good": "success", "bad": "failed"}
    assert (result.xcom("good", "a"), result.xcom("good", "b")) == (1, [2])
    assert result.xcom("good") == {"a": 1, "b": [2]}


def test_provide_context_is_deprecated() -> None:
    """provide_context=True (1.x) still works, with a DeprecationWarning at the caller's line."""
    with pytest.deprecated_call(match="provide_context") as record:
        PythonOperator(task_id="old", python_callable=print, provide_context=True)
    assert record[0].filename == __file__


def test_python_callable_must_be_callable() -> None:
    """A non-callable python_callable raises naming the task."""
    with pytest.raises(TypeError, match=r"'t'.*callable"):
        PythonOperator(task_id="t", python_callable="print")  # type: ignore[arg-type]


def branch_dag(choice: Any, dag_id: str = "branch") -> DAG:
    with DAG(dag_id) as dag:
        pick = BranchPythonOperator(task_id="pick", python_callable=lambda: choice)
        a, b, c = (EmptyOperator(task_id=x) for x in "abc")
        after_a = EmptyOperator(task_id="after_a")
        join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
        pick >> [a, b, c]
        a >> after_a
        [after_a, b, c] >> join
    return dag


def test_branch_follows_chosen_and_skips_the_rest() -> None:
    """The chosen branch runs; the others are skipped and skips propagate; the join runs."""
    result = run_dag(branch_dag("b"))
    assert result.states == {
        "pick": "success",
        "a": "skipped",
        "after_a": "skipped",
        "b": "success",
        "c": "skipped",
        "join": "success",
    }
    assert result.xcom("pick") == "b"


def test_branch_with_list_and_with_none() -> None:
    """A list follows several branches; None skips every branch (and the join)."""
    several = run_dag(branch_dag(["a", "c"]))
    assert (several.states["a"], several.states["b"], several.states["c"]) == (
        "success",
        "skipped",
        "success",
    )
    nothing = run_dag(branch_dag(None, dag_id="branch_none"))
    assert {nothing.states[t] for t in ("a", "b", "c", "after_a", "join")} == {"skipped"}


def test_branch_to_unknown_task_fails() -> None:
    """Returning an id that is not in the DAG fails the branch task (downstream upstream_failed)."""
    result = run_dag(branch_dag("nope"))
    assert result.states["pick"] == "failed"
    assert result.states["a"] == "upstream_failed"
    assert result.state == "failed"


def short_circuit_dag(condition: Any, ignore: bool) -> DAG:
    with DAG("sc") as dag:
        check = ShortCircuitOperator(
            task_id="check",
            python_callable=lambda: condition,
            ignore_downstream_trigger_rules=ignore,
        )
        direct = EmptyOperator(task_id="direct")
        always = EmptyOperator(task_id="always", trigger_rule="all_done")
        check >> direct >> always
    return dag


def test_short_circuit_true_lets_downstream_run() -> None:
    """A truthy condition runs everything downstream."""
    result = run_dag(short_circuit_dag(True, ignore=True))
    assert set(result.states.values()) == {"success"}


def test_short_circuit_false_skips_all_downstream() -> None:
    """With ignore_downstream_trigger_rules (default) every downstream task is skipped."""
    result = run_dag(short_circuit_dag(0, ignore=True))
    assert result.states == {"check": "success", "direct": "skipped", "always": "skipped"}


def test_short_circuit_false_respects_trigger_rules_when_asked() -> None:
    """Otherwise only direct downstream tasks are skipped; all_done below still runs."""
    result = run_dag(short_circuit_dag([], ignore=False))
    assert result.states == {"check": "success", "direct": "skipped", "always": "success"}


def test_each_run_renders_its_own_dates() -> None:
    """Two runs of the same DAG object in one process each see their own ds."""
    with DAG("two_runs") as dag:
        PythonOperator(task_id="p", python_callable=lambda day: day, op_args=["{{ ds }}"])
    first = run_dag(dag, logical_date=datetime(2024, 1, 1, tzinfo=UTC))
    second = run_dag(dag, logical_date=datetime(2024, 1, 2, tzinfo=UTC))
    assert (first.xcom("p"), second.xcom("p")) == ("2024-01-01", "2024-01-02")
