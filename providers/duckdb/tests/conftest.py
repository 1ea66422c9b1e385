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
def run_dag(
    _isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> Callable[..., DagRunResult]:
    """Run a DAG with ``taskloom dags test`` in this process: ``run_dag(dag_id, folder, *args)``.

    ``folder`` ``None`` means the installed provider's example DAGs.
    """
    from taskloom import db
    from taskloom.cli import main
    from taskloom.models import xcom

    def run(dag_id: str, folder: Path | None = None, *args: str) -> DagRunResult:
        folder = folder or Path(importlib.import_module(EXAMPLE_DAGS).__path__[0])
        code = main(["dags", "test", dag_id, "-S", str(folder), *args])
        output = capsys.readouterr().out
        conn = db.connect()
        try:
            run_id = conn.execute(
                "SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY logical_date DESC LIMIT 1",
                (dag_id,),
            ).fetchone()[0]
            states = dict(
                conn.execute(
                    "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
                    (dag_id, run_id),
                ).fetchall()
            )
            returns = {
                row["task_id"]: row["value"]
                for row in xcom.list_for_run(conn, dag_id, run_id)
                if row["key"] == "return_value"
            }
        finally:
            conn.close()
        logs = "\n".join(p.read_text() for p in sorted((_isolated_home / "logs").rglob("*.log")))
        return DagRunResult(int(code), output, run_id, states, returns, logs)

    return run
