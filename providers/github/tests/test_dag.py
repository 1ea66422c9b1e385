"""A DAG loads GitHub issues incrementally into DuckDB and SQLite, as a user runs it (`taskloom dags test`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest
from conftest import TOKEN
from conftest import FakeGitHub

from taskloom_testing.dagrun import run_dags_test

DAG_FILE = """
import datetime
from taskloom.models.dag import DAG
from taskloom.declarative import ReadStreamOperator

with DAG("github_issues", schedule=None, start_date=datetime.datetime(2024, 1, 1)) as dag:
    duck = ReadStreamOperator(task_id="issues_duckdb", provider="github", stream="issues",
                              conn_id="github_default", destination="warehouse")
    lite = ReadStreamOperator(task_id="issues_sqlite", provider="github", stream="issues",
                              conn_id="github_default", destination="local_db")
    duck >> lite
"""


@pytest.fixture
def dag_file(tmp_path: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The DAG file, with the connections it uses in the environment."""
    monkeypatch.setenv("TASKLOOM_CONN_GITHUB_DEFAULT", github.connection_json())
    monkeypatch.setenv(
        "TASKLOOM_CONN_WAREHOUSE",
        f'{{"conn_type": "duckdb", "extra": {{"path": "{tmp_path / "w.duckdb"}"}}}}',
    )
    monkeypatch.setenv(
        "TASKLOOM_CONN_LOCAL_DB", f'{{"conn_type": "sqlite", "host": "{tmp_path / "local.db"}"}}'
    )
    path = tmp_path / "dags" / "github_issues.py"
    path.parent.mkdir()
    path.write_text(DAG_FILE)
    return path


def rows(tmp_path: Path) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        duck = con.execute("SELECT id, updated_at FROM issues ORDER BY id").fetchall()
    with sqlite3.connect(tmp_path / "local.db") as con:
        lite = con.execute("SELECT id, updated_at FROM issues ORDER BY id").fetchall()
    return duck, lite


def test_incremental_loads_merge_and_a_failed_run_keeps_the_state(
    dag_file: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    """Run 1 loads every issue; run 2 reads from the saved state and merges; a failed run changes nothing."""
    first = run_dags_test(dag_file, "github_issues", logical_date="2024-03-01")
    assert first.returncode == 0, first.output
    assert first.xcom("issues_duckdb")["records"] == 2250
    duck, lite = rows(tmp_path)
    assert len(duck) == len(lite) == 2250
    assert duck == lite
    log = first.logs()
    assert "stream 'issues': 25 pages, 2250 records" in log
    assert TOKEN not in log

    github.issues[4]["updated_at"] = "2024-02-05T00:00:00Z"  # issue 5 changes
    second = run_dags_test(dag_file, "github_issues", logical_date="2024-03-02")
    assert second.returncode == 0, second.output
    assert second.xcom("issues_sqlite")["records"] == 2  # the boundary issue and issue 5
    issue_requests = [r for r in github.api.requests if r.path.endswith("/issues")]
    assert issue_requests[-1].arg("since") == "2024-02-01T00:41:39Z"
    duck, lite = rows(tmp_path)
    assert len(duck) == len(lite) == 2250  # merged on the primary key: no duplicates
    assert (1005, "2024-02-05T00:00:00Z") in duck

    github.issues[5]["updated_at"] = "2024-02-06T00:00:00Z"
    github.api.fault(
        issue_requests[-1].path,
        at=len(issue_requests) + 1,
        status=401,
        body={"message": "Bad credentials"},
    )
    failed = run_dags_test(dag_file, "github_issues", logical_date="2024-03-03")
    assert failed.returncode == 1
    assert "GitHub rejected the token" in failed.output + failed.logs()

    third = run_dags_test(dag_file, "github_issues", logical_date="2024-03-04")
    assert third.returncode == 0, third.output
    since = [r.arg("since") for r in github.api.requests if r.path.endswith("/issues")]
    assert since[-2:] == ["2024-02-05T00:00:00Z", "2024-02-05T00:00:00Z"]  # the failed run kept it
    duck, lite = rows(tmp_path)
    assert (1006, "2024-02-06T00:00:00Z") in duck
    assert (1006, "2024-02-06T00:00:00Z") in lite
