"""Tests for taskloom.operators.sql, run through the real runtime on SQLite files."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from authoring_runs import RunResult
from authoring_runs import run_dag

from taskloom import DAG
from taskloom.exceptions import InvalidConnectionError
from taskloom.operators.sql import SQLCheckOperator
from taskloom.operators.sql import SQLExecuteQueryOperator
from taskloom.operators.sql import SQLValueCheckOperator
from taskloom.utils.log.task_log import log_path
from taskloom.utils.secrets_masker import get_secrets_masker


@pytest.fixture(autouse=True)
def _clean_masker() -> Iterator[None]:
    """Forget secrets registered by the test."""
    yield
    get_secrets_masker().clear()


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite file behind connection 'warehouse', with a table sales(day, amount)."""
    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE sales (day TEXT, amount INTEGER)")
        conn.executemany(
            "INSERT INTO sales VALUES (?, ?)",
            [("2024-01-01", 10), ("2024-01-01", 32), ("2024-01-02", 5)],
        )
    conn.close()
    monkeypatch.setenv(
        "TASKLOOM_CONN_WAREHOUSE",
        json.dumps({"conn_type": "sqlite", "host": str(path), "password": "warehouse-secret-pw"}),
    )
    return path


def _log(result: RunResult, task_id: str) -> str:
    return log_path(result.dag.dag_id, result.run_id, task_id, 1).read_text()


def test_execute_query_results_through_xcom(warehouse: Path) -> None:
    """Templated SQL and parameters run on the connection's hook; rows are pushed as XCom."""
    with DAG("sql_xcom") as dag:
        SQLExecuteQueryOperator(
            task_id="daily",
            conn_id="warehouse",
            sql="SELECT day, sum(amount) FROM sales WHERE day = :day GROUP BY day",
            parameters={"day": "{{ ds }}"},
        )
    result = run_dag(dag)
    assert result.states == {"daily": "success"}
    assert result.xcom("daily") == [["2024-01-01", 42]]


def test_sql_file_script_split_and_return_last(warehouse: Path, tmp_path: Path) -> None:
    """A .sql file beside the DAG is rendered; a multi-statement script is split; the last result is pushed."""
    folder = tmp_path / "sql"
    folder.mkdir()
    (folder / "rollup.sql").write_text(
        "CREATE TABLE daily AS SELECT day, sum(amount) AS total FROM sales GROUP BY day;\n"
        "DELETE FROM daily WHERE day <> '{{ ds }}';\n"
        "SELECT total FROM daily;\n"
    )
    with DAG("sql_file", template_searchpath=[str(folder)]) as dag:
        SQLExecuteQueryOperator(task_id="rollup", conn_id="warehouse", sql="rollup.sql")
        SQLExecuteQueryOperator(
            task_id="each",
            conn_id="warehouse",
            sql=["SELECT count(*) FROM daily", "SELECT max(total) FROM daily"],
            output_processor=lambda results, descriptions: {
                d[0][0]: r[0][0] for r, d in zip(results, descriptions, strict=True)
            },
        )
    dag.get_task("rollup") >> dag.get_task("each")
    result = run_dag(dag)
    assert result.states == {"rollup": "success", "each": "success"}
    assert result.xcom("rollup") == [[42]]
    assert result.xcom("each") == {"count(*)": 1, "max(total)": 42}


def test_no_xcom_push_and_autocommit(warehouse: Path) -> None:
    """With do_xcom_push=False nothing is fetched; autocommit runs VACUUM."""
    with DAG("sql_noxcom") as dag:
        SQLExecuteQueryOperator(
            task_id="vacuum", conn_id="warehouse", sql="VACUUM", autocommit=True, do_xcom_push=False
        )
    result = run_dag(dag)
    assert result.states == {"vacuum": "success"}
    assert result.xcom("vacuum") is None


def test_check_operators_pass_and_fail(warehouse: Path) -> None:
    """SQLCheckOperator fails on a falsy value; SQLValueCheckOperator compares with a tolerance."""
    with DAG("sql_checks") as dag:
        SQLCheckOperator(
            task_id="has_rows",
            conn_id="warehouse",
            sql="SELECT count(*) FROM sales WHERE day = '{{ ds }}'",
        )
        SQLCheckOperator(
            task_id="no_rows",
            conn_id="warehouse",
            sql="SELECT count(*) FROM sales WHERE day = '1999-01-01'",
        )
        SQLValueCheckOperator(
            task_id="near",
            conn_id="warehouse",
            sql="SELECT sum(amount) FROM sales",
            pass_value=45,
            tolerance=0.1,
        )
        SQLValueCheckOperator(
            task_id="exact_text",
            conn_id="warehouse",
            sql="SELECT min(day) FROM sales",
            pass_value="{{ ds }}",
        )
        SQLValueCheckOperator(
            task_id="far",
            conn_id="warehouse",
            sql="SELECT sum(amount) FROM sales",
            pass_value=100,
            tolerance=0.1,
        )
    result = run_dag(dag)
    assert result.states == {
        "has_rows": "success",
        "no_rows": "failed",
        "near": "success",
        "exact_text": "success",
        "far": "failed",
    }
    assert "SQLCheckError: check 'no_rows' failed: a value of the first row is false" in _log(
        result, "no_rows"
    )
    assert "expected 100 within ±10%, got [47]" in _log(result, "far")


def test_value_check_no_row(warehouse: Path) -> None:
    """A check query that returns no row fails with that reason."""
    with DAG("sql_norow") as dag:
        SQLValueCheckOperator(
            task_id="empty",
            conn_id="warehouse",
            sql="SELECT amount FROM sales WHERE 0",
            pass_value=1,
        )
    result = run_dag(dag)
    assert result.states == {"empty": "failed"}
    assert "the query returned no row" in _log(result, "empty")


def test_non_sql_connection_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection whose hook is not a DbApiHook gives a clear error."""
    monkeypatch.setenv("TASKLOOM_CONN_API", "http://example.com")
    operator = SQLExecuteQueryOperator(task_id="wrong", conn_id="api", sql="SELECT 1")
    with pytest.raises(InvalidConnectionError, match=r"its hook HttpHook .* does not run SQL"):
        operator.get_db_hook()


def test_secret_masked_in_task_log_and_traceback(warehouse: Path) -> None:
    """The connection password is masked in a task's log lines and in the traceback of a failing task."""
    with DAG("sql_mask") as dag:
        SQLExecuteQueryOperator(
            task_id="echo",
            conn_id="warehouse",
            sql="SELECT 'warehouse-secret-pw' AS leaked",
            show_return_value_in_logs=True,
        )
        SQLExecuteQueryOperator(
            task_id="fails", conn_id="warehouse", sql='SELECT * FROM "warehouse-secret-pw"'
        )
    result = run_dag(dag)
    assert result.states == {"echo": "success", "fails": "failed"}
    echo_log, fails_log = _log(result, "echo"), _log(result, "fails")
    assert "warehouse-secret-pw" not in echo_log
    assert "result: [('***',)]" in echo_log
    assert "warehouse-secret-pw" not in fails_log
    assert "Traceback" in fails_log
    assert "sqlite3.OperationalError: no such table: ***" in fails_log
