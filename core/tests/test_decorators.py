"""The @task decorator: tasks from functions, XCom wiring, options and ids."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from authoring_runs import run_dag

import taskloom
from taskloom import DAG
from taskloom import task
from taskloom.dag_processing import DagBag
from taskloom.decorators import DecoratedPythonOperator
from taskloom.models.xcom_arg import XComArg
from taskloom.operators.empty import EmptyOperator


def test_return_values_flow_through_xcom() -> None:
    """Calling tasks with XComArgs wires dependencies and passes the values at run time."""
    with DAG("flow") as dag:

        @task
        def extract() -> list[int]:
            return [1, 2, 3]

        @task
        def double(values: list[int]) -> list[int]:
            return [v * 2 for v in values]

        @task
        def total(values: list[int], offset: int = 0) -> int:
            return sum(values) + offset

        result_arg = total(double(extract()), offset=100)

    assert isinstance(result_arg, XComArg)
    assert dag.get_task("double").upstream_task_ids == {"extract"}
    assert dag.get_task("total").upstream_task_ids == {"double"}
    result = run_dag(dag)
    assert result.state == "success"
    assert result.xcom("total") == 112


def test_multiple_outputs_inferred_from_annotation_and_indexed() -> None:
    """A function annotated to return a dict pushes each key; ``arg["key"]`` pulls one."""
    with DAG("multi") as dag:

        @task
        def split() -> dict[str, int]:
            return {"left": 2, "right": 40}

        @task(multiple_outputs=False)
        def whole() -> dict[str, int]:
            return {"x": 1}

        @task
        def add(a: int, b: int) -> int:
            return a + b

        parts = split()
        add(parts["left"], b=parts["right"])
        whole()
    assert dag.get_task("split").multiple_outputs
    assert not dag.get_task("whole").multiple_outputs
    result = run_dag(dag)
    assert result.xcom("add") == 42
    assert result.xcom("whole", "x") is None


def test_context_keys_by_signature() -> None:
    """A task function receives the context keys it names (with a default)."""
    with DAG("ctx") as dag:

        @task
        def stamp(ds: str | None = None, ti: Any = None) -> str:
            return f"{ds}:{ti.task_id}"

        stamp()
    assert run_dag(dag).xcom("stamp") == "2024-01-01:stamp"


def test_options_override_and_python_alias() -> None:
    """@task(...) options reach the operator; task.python and .override work; ids are unique."""
    with DAG("opts") as dag:

        @task(task_id="custom", retries=2)
        def f() -> None: ...

        @task.python
        def g() -> None:
            """Docs become doc_md."""

        f()
        f()
        g.override(task_id="renamed", retries=1)()
        g()
    assert dag.task_ids == ["custom", "custom__1", "renamed", "g"]
    assert dag.get_task("custom").retries == 2
    assert dag.get_task("renamed").retries == 1
    assert dag.get_task("g").doc_md == "Docs become doc_md."
    assert isinstance(dag.get_task("g"), DecoratedPythonOperator)
    assert f.function.__name__ == "f"
    assert taskloom.task is task


def test_default_args_apply_to_decorated_tasks() -> None:
    """DAG default_args fill @task operator arguments."""
    with DAG("defaults", default_args={"retries": 4}) as dag:

        @task
        def f() -> None: ...

        f()
    assert dag.get_task("f").retries == 4


def test_xcom_arg_dependencies_with_operators() -> None:
    """XComArgs work with >> and <<, in both directions."""
    with DAG("mix") as dag:

        @task
        def f() -> None: ...

        start = EmptyOperator(task_id="start")
        end = EmptyOperator(task_id="end")
        start >> f() >> end
    assert dag.get_task("f").upstream_task_ids == {"start"}
    assert end.upstream_task_ids == {"f"}


def test_bad_call_names_the_function() -> None:
    """Arguments that do not fit the function's signature raise at DAG build time."""
    with DAG("bad"):

        @task
        def f(a: int) -> None: ...

        with pytest.raises(TypeError, match=r"@task f\(\)"):
            f(1, 2)


def test_xcom_arg_is_not_iterable() -> None:
    """Iterating an XComArg while building the DAG raises instead of looping forever."""
    with DAG("iter"):

        @task
        def f() -> list[int]:
            return [1]

        with pytest.raises(TypeError, match="not iterable"):
            list(f())


def test_retries_then_success() -> None:
    """A @task that fails once succeeds on its retry (retry_delay=0)."""
    attempts: list[int] = []
    with DAG("retry") as dag:

        @task(retries=1, retry_delay=0)
        def flaky() -> int:
            attempts.append(1)
            if len(attempts) == 1:
                raise RuntimeError("first try fails")
            return len(attempts)

        flaky()
    result = run_dag(dag)
    assert result.states == {"flaky": "success"}
    assert result.xcom("flaky") == 2


def test_dag_decorator_builds_a_dag_the_loader_finds(tmp_path: Path) -> None:
    """@dag turns a function into a DAG factory; a DAG file calling it is loaded."""
    (tmp_path / "factory.py").write_text(
        textwrap.dedent(
            '''
            from datetime import datetime
            from taskloom import task
            from taskloom.decorators import dag

            @dag(schedule="@daily", start_date=datetime(2024, 1, 1), tags=["x"])
            def etl(limit):
                """Extract then load."""

                @task
                def extract():
                    return list(range(limit))

                @task
                def load(rows):
                    return len(rows)

                load(extract())

            etl(3)
            '''
        )
    )
    bag = DagBag(tmp_path)
    assert bag.import_errors == {}
    built = bag.get_dag("etl")
    assert built is not None
    assert (built.tags, built.doc_md, built.fileloc) == (
        ["x"],
        "Extract then load.",
        str(tmp_path / "factory.py"),
    )
    assert built.get_task("load").upstream_task_ids == {"extract"}
    assert run_dag(built).xcom("load") == 3
