"""Tests of ``README.md``: every example works when pasted, against a real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskloom.models.connection import Connection
from taskloom_testing.postgres import PostgresServer
from taskloom_testing.readme import Readme
from tests.conftest import DagRunner
from tests.conftest import RunSql

README = Readme.of_tests(__file__)
PYTHON_EXAMPLES = README.python_blocks


def test_readme_has_the_examples_this_module_runs() -> None:
    """The README has hook, COPY, cursor, autocommit and operator examples, and connection examples."""
    assert len(PYTHON_EXAMPLES) == 5
    assert len([b for b in README.blocks("bash") if "TASKLOOM_CONN_POSTGRES_DEFAULT" in b]) == 2


#: What each example prints, keyed by a line that identifies the example.
EXPECTED_OUTPUT = {
    'hook = PostgresHook(postgres_conn_id="postgres_default")': [
        "[('Lisbon',), ('Porto',)]",
        "(3,)",
        "(True, 'Connection successfully tested: PostgreSQL ",
    ],
    'hook.bulk_dump("readme_copy", "readme_copy.tsv")': ["(8,)"],
    "for row in hook.iter_records(": ["5000050000", "4", "4", "2"],
    "with hook.get_conn(autocommit=True) as conn:": ["('readme_scratch',)"],
    'with DAG("readme_postgres"': [],
}


def _expected(example: str) -> list[str]:
    (expected,) = [lines for marker, lines in EXPECTED_OUTPUT.items() if marker in example]
    return expected


@pytest.mark.parametrize("example", PYTHON_EXAMPLES, ids=lambda code: code.splitlines()[2][:40])
def test_python_example_runs(
    example: str,
    postgres_default: PostgresServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each Python example runs as pasted and prints what its comments say."""
    README.run(example, cwd=tmp_path)
    printed = capsys.readouterr().out.splitlines()
    expected = _expected(example)
    assert len(printed) == len(expected), printed
    for line, start in zip(printed, expected, strict=True):
        assert line.startswith(start), (line, start)


def test_dag_example_runs(
    postgres_default: PostgresServer, dags_test: DagRunner, run_sql: RunSql, tmp_path: Path
) -> None:
    """The operator example is a DAG that ``taskloom dags test`` runs as the README says."""
    (example,) = [code for code in PYTHON_EXAMPLES if 'with DAG("readme_postgres"' in code]
    dag_file = tmp_path / "readme_postgres.py"
    dag_file.write_text(example)
    outcome = dags_test(dag_file, "readme_postgres")
    assert outcome.returncode == 0, outcome.output
    assert run_sql("SELECT day::text, note FROM readme_runs") == [("2026-01-02", "loaded")]


def test_uri_example_parses_to_the_documented_fields() -> None:
    """The URI example's percent-encoded password and extras come out as the README says."""
    uri_value = next(b for b in README.blocks("bash") if "postgres://" in b).split("'", 2)[1]
    conn = Connection.from_text(uri_value, conn_id="postgres_default")
    assert conn.conn_type == "postgres"
    assert (conn.host, conn.port, conn.schema, conn.login) == (
        "db.example.com",
        5432,
        "warehouse",
        "etl",
    )
    assert conn.password == "p@ss/word"
    assert conn.extra_dejson == {"sslmode": "require", "application_name": "nightly-etl"}


def test_both_connection_examples_describe_the_same_server() -> None:
    """The URI and JSON examples give the same host, database, user and password."""
    uri_value, json_value = (
        b.split("'", 2)[1] for b in README.blocks("bash") if "TASKLOOM_CONN_POSTGRES_DEFAULT" in b
    )
    from_uri = Connection.from_text(uri_value, conn_id="postgres_default")
    from_json = Connection.from_text(json_value, conn_id="postgres_default")
    for field in ("conn_type", "host", "port", "schema", "login", "password"):
        assert getattr(from_uri, field) == getattr(from_json, field), field
    assert from_json.extra_dejson["connect_timeout"] == 10
