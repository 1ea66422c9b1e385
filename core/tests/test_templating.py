"""Templated fields: sandboxed Jinja with strict undefined, files, macros and filters."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from authoring_runs import run_dag

from taskloom import DAG
from taskloom.exceptions import TemplateRenderError
from taskloom.macros import ds_add
from taskloom.macros import ds_format
from taskloom.models.baseoperator import BaseOperator
from taskloom.operators.python import PythonOperator
from taskloom.utils.templating import create_environment
from taskloom.utils.templating import macros


class SqlOperator(BaseOperator):
    """An operator with a templated SQL field that may name a .sql file."""

    template_fields = ("sql", "parameters")
    template_ext = (".sql",)

    def __init__(self, *, sql: str, parameters: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sql = sql
        self.parameters = parameters


def context() -> dict[str, Any]:
    logical_date = datetime(2024, 3, 5, tzinfo=UTC)
    return {
        "ds": "2024-03-05",
        "ds_nodash": "20240305",
        "logical_date": logical_date,
        "params": {"table": "events"},
        "macros": macros,
        "run_id": "manual__1",
    }


def test_fields_render_from_context_recursively() -> None:
    """Strings in the field and inside lists, tuples and dicts are rendered; others kept."""
    with DAG("t"):
        op = SqlOperator(
            task_id="q",
            sql="SELECT * FROM {{ params.table }} WHERE day = '{{ ds }}'",
            parameters={"day": ["{{ ds_nodash }}", ("{{ macros.ds_add(ds, 1) }}", 7)], "n": 3},
        )
    op.render_template_fields(context())
    assert op.sql == "SELECT * FROM events WHERE day = '2024-03-05'"
    assert op.parameters == {"day": ["20240305", ("2024-03-06", 7)], "n": 3}


def test_undefined_variable_names_task_field_and_variable() -> None:
    """A typo fails with the task, the field and the variable, never rendering ''."""
    op = SqlOperator(task_id="q", sql="SELECT {{ params.tabel }} FROM {{ nope }}")
    with pytest.raises(TemplateRenderError, match=r"task 'q', field 'sql'.*'tabel'"):
        op.render_template_fields(context())
    other = SqlOperator(task_id="r", sql="{{ nope }}")
    with pytest.raises(TemplateRenderError, match=r"'nope' is undefined"):
        other.render_template_fields(context())


def test_template_file_beside_dag_file(tmp_path: Path) -> None:
    """A value ending in a template_ext is loaded from the DAG file's folder and rendered."""
    (tmp_path / "query.sql").write_text("SELECT 1 -- {{ ds }}\n")
    with DAG("t") as dag:
        op = SqlOperator(task_id="q", sql="query.sql")
    dag.fileloc = str(tmp_path / "my_dag.py")
    op.render_template_fields(context())
    assert op.sql == "SELECT 1 -- 2024-03-05\n"


def test_template_searchpath_and_missing_file(tmp_path: Path) -> None:
    """template_searchpath is searched; a missing file names the file and the path."""
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "a.sql").write_text("{{ params.table }}")
    with DAG("t", template_searchpath=str(tmp_path / "sql")):
        found = SqlOperator(task_id="found", sql="a.sql")
        missing = SqlOperator(task_id="missing", sql="b.sql")
    found.render_template_fields(context())
    assert found.sql == "events"
    with pytest.raises(TemplateRenderError, match=r"'b.sql' not found.*template_searchpath"):
        missing.render_template_fields(context())


def test_syntax_error_names_line(tmp_path: Path) -> None:
    """A syntax error in a template file names the file and line."""
    (tmp_path / "bad.sql").write_text("line one\n{% if %}\n")
    op = SqlOperator(task_id="q", sql="bad.sql")
    with pytest.raises(TemplateRenderError, match=r"bad.sql, line 2"):
        op.render_template_fields(context(), create_environment([str(tmp_path)]))


def test_sandbox_blocks_python_internals() -> None:
    """Templates cannot reach Python internals through dunder attributes."""
    op = SqlOperator(task_id="q", sql="{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateRenderError, match="task 'q'"):
        op.render_template_fields(context())


def test_filters_and_user_defined_macros() -> None:
    """ds/ts filters and the DAG's user_defined_macros and filters are available."""
    with DAG("t", user_defined_macros={"env": "prod"}, user_defined_filters={"up": str.upper}):
        op = SqlOperator(
            task_id="q", sql="{{ env | up }} {{ logical_date | ds }} {{ logical_date | ts_nodash }}"
        )
    op.render_template_fields(context())
    assert op.sql == "PROD 2024-03-05 20240305T000000"


def test_macros() -> None:
    """ds_add and ds_format behave as in Airflow."""
    assert ds_add("2024-03-01", -1) == "2024-02-29"
    assert ds_format("2024-03-05", "%Y-%m-%d", "%d/%m/%Y") == "05/03/2024"
    assert macros.timedelta(days=1).days == 1


def test_template_macros_are_taskloom_macros() -> None:
    """``{{ macros.x }}`` is ``from taskloom.macros import x``, including the 1.x-only helpers."""
    import taskloom.macros

    assert vars(macros) == {
        name: getattr(taskloom.macros, name) for name in taskloom.macros.__all__
    }
    template = "{{ macros.datetime_diff_for_humans(macros.datetime(2024, 1, 1), since) }}"
    since = datetime(2024, 1, 3)
    assert (
        create_environment().from_string(template).render(macros=macros, since=since)
        == "2 days ago"
    )


def test_rendering_again_starts_from_the_template() -> None:
    """A second run of the same task object renders its own context, not the first run's text."""
    op = SqlOperator(task_id="q", sql="{{ ds }}", parameters=["{{ ds_nodash }}"])
    op.render_template_fields(context())
    assert (op.sql, op.parameters) == ("2024-03-05", ["20240305"])
    later = {**context(), "ds": "2024-03-06", "ds_nodash": "20240306"}
    op.render_template_fields(later)
    assert (op.sql, op.parameters) == ("2024-03-06", ["20240306"])
    op.sql = "{{ run_id }}"
    op.render_template_fields(later)
    assert op.sql == "manual__1"


def test_templates_see_the_runtime_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the runtime, templates read XComs, variables, params and the run's dates."""
    monkeypatch.setenv("TASKLOOM_VAR_REGION", "eu")
    with DAG("ctx", params={"limit": 7}) as dag:
        first = PythonOperator(task_id="first", python_callable=lambda: "from-xcom")
        second = PythonOperator(
            task_id="second",
            python_callable=lambda text: text,
            op_args=[
                "{{ ti.xcom_pull(task_ids='first') }} {{ var.value.region }} {{ params.limit }} "
                "{{ data_interval_end | ds }} {{ macros.ds_add(ds, 7) }}"
            ],
        )
        first >> second
    result = run_dag(dag)
    assert result.xcom("second") == "from-xcom eu 7 2024-01-01 2024-01-08"
