"""Tests of ``example_dags/example_postgres.py``: the example DAG, run end to end."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from taskloom.providers.postgres.example_dags import example_postgres
from taskloom_testing.postgres import PostgresServer
from tests.conftest import DagRunner
from tests.conftest import RunSql

DAG_FILE = Path(example_postgres.__file__)


def test_example_dag_runs_end_to_end(
    postgres_default: PostgresServer, dags_test: DagRunner, run_sql: RunSql, taskloom_home: Path
) -> None:
    """``taskloom dags test example_postgres`` loads, upserts, reports, exports and counts, twice in a row."""
    for _ in range(2):  # each run starts from an empty table
        outcome = dags_test(DAG_FILE, "example_postgres")
        assert outcome.returncode == 0, outcome.output
    assert run_sql("SELECT population FROM cities WHERE name = 'Bilbao'") == [(346_000,)]
    assert outcome.xcom("load_cities") == len(example_postgres.CITIES)
    assert outcome.xcom("population_by_country") == [
        ["ES", 4_436_000],
        ["FR", 522_000],
        ["PT", 777_000],
    ]
    assert outcome.xcom("count_rows") == len(example_postgres.CITIES)
    export = taskloom_home / "exports" / "cities_20260102.csv"
    assert outcome.xcom("export_cities") == str(export)
    lines = export.read_text().splitlines()
    assert lines[0] == "name,country,population"
    assert lines[1:3] == ["Bilbao,ES,346000", "Lisbon,PT,545000"]
    assert len(lines) == 1 + len(example_postgres.CITIES)


def test_example_dag_logs_never_show_the_password(
    postgres_default: PostgresServer, dags_test: DagRunner
) -> None:
    """The task logs of a run hold the SQL that ran but not the password, in any encoding."""
    outcome = dags_test(DAG_FILE, "example_postgres")
    assert outcome.returncode == 0, outcome.output
    logs = outcome.logs()
    assert "running SQL on connection 'postgres_default'" in logs
    assert "loaded 6 cities with COPY" in logs
    assert "exported cities to" in logs
    for form in (postgres_default.password, quote(postgres_default.password, safe="")):
        assert form not in logs
        assert form not in outcome.output
