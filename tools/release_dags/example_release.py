"""Release rehearsal: a DAG on the new import paths, using core and the DuckDB provider."""

from __future__ import annotations

import datetime

from taskloom import DAG
from taskloom import task
from taskloom.operators.empty import EmptyOperator
from taskloom.providers.duckdb.hooks.duckdb import DuckDBHook

with DAG(
    dag_id="example_release",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    tags=["release-rehearsal"],
):

    @task
    def numbers() -> list[int]:
        return [1, 2, 3, 4]

    @task
    def total(values: list[int]) -> int:
        # DuckDB in memory: the provider installed by name from the local index works.
        hook = DuckDBHook(duckdb_conn_id="duckdb_memory")
        (row,) = hook.get_records(f"SELECT sum(v) FROM unnest({values!r}) AS t(v)")
        assert row[0] == sum(values), row
        return int(row[0])

    EmptyOperator(task_id="start") >> total(numbers())
