"""Exit codes (0 found and fine, 1 not found or failed, 2 usage errors only) and D11 (a broken env connection)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taskloom_testing.cli import run_taskloom

GOOD = """\
from taskloom.models.dag import DAG
from taskloom.operators.empty import EmptyOperator

with DAG("good", schedule=None) as dag:
    EmptyOperator(task_id="a")
"""


@pytest.fixture
def dag_folder(taskloom_home: Path) -> Path:
    folder = taskloom_home / "dags"
    folder.mkdir(parents=True)
    (folder / "good.py").write_text(GOOD)
    return folder


def test_dags_state_of_an_unknown_dag_exits_1(dag_folder: Path) -> None:
    """`dags state <unknown dag>` exits 1 naming the DAG (it said "No results." and exited 0)."""
    result = run_taskloom("dags", "state", "no_such_dag")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "'no_such_dag' not found" in result.stderr
    assert "Usage:" not in result.stderr


def test_dags_state_of_a_known_dag_without_runs_exits_0(dag_folder: Path) -> None:
    """A DAG that exists but never ran is found: empty list, exit 0."""
    result = run_taskloom("dags", "state", "good", "-o", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_connections_test_against_a_broken_provider_exits_1_without_usage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`connections test` of a connection whose provider is missing is a failure (1), not a usage error (2)."""
    monkeypatch.setenv("TASKLOOM_CONN_ORPHAN", "notaprovider://user:long-enough-pw@host:1/x")
    result = run_taskloom("connections", "test", "orphan")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Usage:" not in result.stderr
    assert result.stderr.startswith("Error: ")


@pytest.mark.parametrize(
    "args",
    [
        ("dags", "show", "no_such_dag"),
        ("dags", "test", "no_such_dag"),
        ("tasks", "state", "good", "no_such_task"),
        ("variables", "get", "no_such_key"),
        ("connections", "get", "no_such_conn"),
        ("connections", "delete", "no_such_conn"),
        ("providers", "info", "no_such_provider"),
    ],
)
def test_not_found_exits_1(dag_folder: Path, args: tuple[str, ...]) -> None:
    """Whatever the command, a name that does not exist exits 1 with one line and no usage text."""
    result = run_taskloom(*args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Usage:" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("dags", "list", "--no-such-option"),
        ("dags", "trigger", "good", "-e", "not-a-date"),
        ("dags", "list", "-o", "xml"),
        ("variables", "set", "k", "{", "--json"),
    ],
)
def test_usage_errors_exit_2(dag_folder: Path, args: tuple[str, ...]) -> None:
    """A wrong command line exits 2."""
    assert run_taskloom(*args).returncode == 2


def test_one_malformed_env_connection_is_listed_as_broken_and_the_others_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """D11: a malformed TASKLOOM_CONN_* is listed as broken with the reason; the others still list."""
    monkeypatch.setenv("TASKLOOM_CONN_E_RAW", "postgres://user:raw@pw:/x#@h:5432/db")
    monkeypatch.setenv("TASKLOOM_CONN_FINE", "http://user:fine-secret@example.com:8080")
    result = run_taskloom("connections", "list", "-o", "json")
    assert result.returncode == 0, result.stderr
    rows = {row["conn_id"]: row for row in json.loads(result.stdout)}
    assert rows["fine"]["host"] == "example.com"
    assert rows["e_raw"]["conn_type"] == "(broken)"
    assert "TASKLOOM_CONN_E_RAW" in result.stderr
    assert "'#'" in result.stderr
    assert "raw@pw" not in result.stdout + result.stderr
