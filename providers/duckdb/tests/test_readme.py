"""Every example in README.md works when pasted: connection strings parse, code blocks run."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from taskloom.cli import main
from taskloom.models.connection import Connection
from taskloom.providers.duckdb.hooks.duckdb import DuckDBHook
from taskloom_testing.dagrun import DagRunOutcome

README = (Path(__file__).parent.parent / "README.md").read_text()
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
EXPORTS = re.findall(r"^export (TASKLOOM_CONN_\w+)=(.*)$", README, re.M)


def test_readme_has_examples() -> None:
    """The README shows connections and code (guards the extraction below)."""
    assert len(EXPORTS) >= 4
    assert len(PYTHON_BLOCKS) >= 2


@pytest.mark.parametrize(
    ("name", "value"), EXPORTS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(EXPORTS)]
)
def test_connection_examples_parse(name: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each exported connection parses and names a database file."""
    text = shlex.split(value)[0]
    flag = "--conn-json" if text.startswith("{") else "--conn-uri"
    assert (
        main(["connections", "add", f"readme_{name.lower()}", flag, text]) == 0
    )  # validated by provider.json
    assert Connection.from_text(text).conn_type == "duckdb"
    monkeypatch.setenv(name, text)
    conn_id = name.removeprefix("TASKLOOM_CONN_").lower()
    assert DuckDBHook(conn_id).database.endswith(".duckdb")


@pytest.mark.parametrize(
    "block", PYTHON_BLOCKS, ids=[f"block{i}" for i in range(len(PYTHON_BLOCKS))]
)
def test_python_examples_run(
    block: str,
    duckdb_conn: Callable[..., None],
    run_dag: Callable[..., DagRunOutcome],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Code runs as pasted; a DAG example also runs end to end with ``taskloom dags test``."""
    duckdb_conn(extra={"path": str(tmp_path / "readme.duckdb")})
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    dag = namespace.get("dag")
    if dag is None:
        assert "Lisbon" in capsys.readouterr().out
        return
    (tmp_path / "readme_dag.py").write_text(block)
    result = run_dag(dag.dag_id, tmp_path)  # type: ignore[attr-defined]
    assert result.returncode == 0, result.logs()
    assert set(result.task_states().values()) == {"success"}
