"""Hygiene for every DuckDB provider test: a private TASKLOOM_HOME and no stray connections."""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from taskloom_testing.dagrun import run_dags_test

#: The package of the example DAGs the tests run (from the installed wheel).
EXAMPLE_DAGS = "taskloom.providers.duckdb.example_dags"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point TASKLOOM_HOME at a fresh folder and drop the caller's TASKLOOM_* settings."""
    for name in list(os.environ):
        if name.startswith("TASKLOOM") and not name.startswith("TASKLOOM_TEST_"):
            monkeypatch.delenv(name)
    home = tmp_path / "taskloom-home"
    monkeypatch.setenv("TASKLOOM_HOME", str(home))
    return home


@pytest.fixture
def duckdb_conn(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Define a ``duckdb`` connection in the environment: ``duckdb_conn("id", extra={...})``."""

    def define(conn_id: str = "duckdb_default", **fields: object) -> None:
        value = {"conn_type": "duckdb", **fields}
        monkeypatch.setenv(f"TASKLOOM_CONN_{conn_id.upper()}", json.dumps(value))

    return define


@dataclass
class DagRunResult:
    """What one ``taskloom dags test`` run of an example DAG left behind."""

    exit_code: int
    output: str
    run_id: str
    states: dict[str, str | None]
    #: Return values (XCom ``return_value``) by task id.
    returns: dict[str, Any]
    #: The text of every task log of the run.
    logs: str


@pytest.fixture
def run_dag(_isolated_home: Path) -> Callable[..., DagRunResult]:
    """Run a DAG with ``taskloom dags test`` in a new process: ``run_dag(dag_id, folder, *args)``.

    ``folder`` ``None`` means the installed provider's example DAGs.  ``args`` may hold a
    logical date and ``--executor NAME``.  The child inherits this process's environment
    (TASKLOOM_HOME, the TASKLOOM_CONN_* connections), so the run's DB and logs are read here.
    """

    def run(dag_id: str, folder: Path | None = None, *args: str) -> DagRunResult:
        folder = folder or Path(importlib.import_module(EXAMPLE_DAGS).__path__[0])
        rest = list(args)
        executor = None
        if "--executor" in rest:
            i = rest.index("--executor")
            executor = rest[i + 1]
            del rest[i : i + 2]
        assert len(rest) <= 1, f"unexpected dags test arguments: {args}"
        logical_date = rest[0] if rest else None
        o = run_dags_test(folder, dag_id, logical_date=logical_date, executor=executor)
        return DagRunResult(o.returncode, o.output, o.run_id, o.task_states(), o.xcoms(), o.logs())

    return run
