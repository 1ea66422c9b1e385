"""Example: load, upsert, report on and export a table in PostgreSQL.

``create_tables`` creates ``cities`` (idempotent) and empties it; ``load_cities`` streams
rows in with COPY (``PostgresHook.insert_rows(use_copy=True)``); ``upsert_corrections``
fixes one row with ``INSERT ... ON CONFLICT``; ``population_by_country`` runs a query
whose rows go to XCom; ``export_cities`` writes the table to a CSV file under
``$TASKLOOM_HOME/exports/`` through ``COPY ... TO STDOUT``; ``count_rows`` walks the
table with a server-side cursor and returns the number of rows.

Every task uses the ``postgres_default`` connection::

    export TASKLOOM_CONN_POSTGRES_DEFAULT='postgres://user:password@localhost:5432/mydb'
    taskloom dags test example_postgres

Each run starts from an empty table, so the DAG can run again and again.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from taskloom import configuration
from taskloom.models.baseoperator import chain
from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator
from taskloom.providers.postgres.hooks.postgres import PostgresHook
from taskloom.providers.postgres.operators.postgres import PostgresOperator

CONN_ID = "postgres_default"
#: (name, country, population) rows that ``load_cities`` loads.
CITIES = [
    ("Lisbon", "PT", 545_000),
    ("Porto", "PT", 232_000),
    ("Madrid", "ES", 3_300_000),
    ("Valencia", "ES", 790_000),
    ("Bilbao", "ES", 1),  # a wrong figure that upsert_corrections fixes
    ("Lyon", "FR", 522_000),
]
#: The row ``upsert_corrections`` writes over the wrong one.
CORRECTION = {"name": "Bilbao", "country": "ES", "population": 346_000}


def export_path(ds_nodash: str) -> Path:
    """Where ``export_cities`` writes the run's CSV file."""
    return configuration.home() / "exports" / f"cities_{ds_nodash}.csv"


def load_cities() -> int:
    """Stream :data:`CITIES` into ``cities`` with COPY; return the number of rows."""
    hook = PostgresHook(postgres_conn_id=CONN_ID)
    written = hook.insert_rows(
        "cities", CITIES, target_fields=["name", "country", "population"], use_copy=True
    )
    print(f"loaded {written} cities with COPY")
    return written


def export_cities(ds_nodash: str) -> str:
    """Write ``cities`` to a CSV file with a header; return the file's path."""
    path = export_path(ds_nodash)
    path.parent.mkdir(parents=True, exist_ok=True)
    PostgresHook(postgres_conn_id=CONN_ID).copy_expert(
        "COPY (SELECT name, country, population FROM cities ORDER BY name) "
        "TO STDOUT WITH (FORMAT csv, HEADER)",
        path,
    )
    print(f"exported cities to {path}")  # task code's stdout goes to the task log
    return str(path)


def count_rows() -> int:
    """Count the rows of ``cities`` by walking them with a server-side cursor."""
    hook = PostgresHook(postgres_conn_id=CONN_ID)
    return sum(1 for _ in hook.iter_records("SELECT * FROM cities", chunk_size=2))


with DAG(
    "example_postgres",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    tags=["example", "postgres"],
    description="Load, upsert, report on and export a PostgreSQL table.",
) as dag:
    create_tables = PostgresOperator(
        task_id="create_tables",
        postgres_conn_id=CONN_ID,
        sql=[
            "CREATE TABLE IF NOT EXISTS cities ("
            " name text PRIMARY KEY, country char(2) NOT NULL, population integer NOT NULL)",
            "TRUNCATE cities",
        ],
    )
    load = PythonOperator(task_id="load_cities", python_callable=load_cities)
    upsert_corrections = PostgresOperator(
        task_id="upsert_corrections",
        postgres_conn_id=CONN_ID,
        sql="INSERT INTO cities (name, country, population)"
        " VALUES (%(name)s, %(country)s, %(population)s)"
        " ON CONFLICT (name) DO UPDATE SET population = EXCLUDED.population",
        parameters=CORRECTION,
    )
    population_by_country = PostgresOperator(
        task_id="population_by_country",
        postgres_conn_id=CONN_ID,
        sql="SELECT country, sum(population) AS population FROM cities"
        " GROUP BY country ORDER BY country",
    )
    export = PythonOperator(
        task_id="export_cities",
        python_callable=export_cities,
        op_kwargs={"ds_nodash": "{{ ds_nodash }}"},
    )
    count = PythonOperator(task_id="count_rows", python_callable=count_rows)

    chain(create_tables, load, upsert_corrections, population_by_country, [export, count])
