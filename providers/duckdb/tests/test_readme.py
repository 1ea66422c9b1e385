"""Every example in README.md works when pasted: connection strings parse, code blocks run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from taskloom.models.connection import Connection
from taskloom.providers.duckdb.hooks.duckdb import DuckDBHook
from taskloom_testing.readme import Readme
from taskloom_testing.readme import add_connection

README = Readme.of_tests(__file__)


def test_readme_has_examples() -> None:
    """The README shows connections and code (guards the extraction below)."""
    assert len(README.connection_exports) >= 4
    assert len(README.python_blocks) >= 2


@README.parametrize_connection_exports()
def test_connection_examples_parse(name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each exported connection parses and names a database file."""
    assert add_connection(name, value) == 0  # validated by provider.json
    assert Connection.from_text(value).conn_type == "duckdb"
    monkeypatch.setenv(name, value)
    conn_id = name.removeprefix("TASKLOOM_CONN_").lower()
    assert DuckDBHook(conn_id).database.endswith(".duckdb")


@README.parametrize_python_blocks()
def test_python_examples_run(
    block: str,
    duckdb_conn: Callable[..., None],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Code runs as pasted; a DAG example also runs end to end with ``taskloom dags test``."""
    duckdb_conn(extra={"path": str(tmp_path / "readme.duckdb")})
    namespace = README.run(block)
    result = README.run_dag(block, namespace, tmp_path)
    if result is None:
        assert "Lisbon" in capsys.readouterr().out
        return
    assert result.returncode == 0, result.logs()
    assert set(result.task_states().values()) == {"success"}
