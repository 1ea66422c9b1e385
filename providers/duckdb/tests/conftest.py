"""Hygiene for every DuckDB provider test: a private TASKLOOM_HOME and no stray connections."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from taskloom_testing.dagrun import DagRunOutcome
from taskloom_testing.dagrun import dags_test_runner

# The autouse taskloom_home fixture: a private TASKLOOM_HOME, no TASKLOOM_* settings of the caller.
pytest_plugins = ["taskloom_testing.home"]

#: The package of the example DAGs the tests run (from the installed wheel).
EXAMPLE_DAGS = "taskloom.providers.duckdb.example_dags"


@pytest.fixture
def duckdb_conn(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Define a ``duckdb`` connection in the environment: ``duckdb_conn("id", extra={...})``."""

    def define(conn_id: str = "duckdb_default", **fields: object) -> None:
        value = {"conn_type": "duckdb", **fields}
        monkeypatch.setenv(f"TASKLOOM_CONN_{conn_id.upper()}", json.dumps(value))

    return define


@pytest.fixture
def run_dag(taskloom_home: Path) -> Callable[..., DagRunOutcome]:
    """``run_dag(dag_id, folder=None, *args)``; see ``taskloom_testing.dagrun.dags_test_runner``."""
    return dags_test_runner(EXAMPLE_DAGS)
