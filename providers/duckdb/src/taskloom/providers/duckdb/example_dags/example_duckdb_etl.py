"""Example: a small ETL on DuckDB that needs no server at all.

``extract_orders`` loads the ``orders.csv`` file shipped with this provider into the table
``raw_orders``; ``transform_orders`` keeps the shipped orders and computes each one's revenue
in DuckDB SQL; ``load_daily_revenue`` aggregates them per day; ``check_daily_revenue``
checks the row count with ``SQLValueCheckOperator``; ``summarize`` logs the result as a table
and pushes a summary to XCom.

Every task opens the ``duckdb_default`` connection, which must name a database *file* (the
tasks share their tables through it, and may run in different processes)::

    export TASKLOOM_CONN_DUCKDB_DEFAULT='{"conn_type": "duckdb", "extra": {"path": "/tmp/etl.duckdb"}}'
    taskloom dags test example_duckdb_etl -S "$(python -c 'import taskloom.providers.duckdb.example_dags as m; print(m.__path__[0])')"

The tasks run one after another on purpose: DuckDB lets one process at a time write to a
file. Every statement replaces what it creates, so the DAG can run again and again.
"""

from __future__ import annotations

import datetime
from importlib import resources
from typing import Any

from taskloom.models.dag import DAG
from taskloom.operators.python import PythonOperator
from taskloom.operators.sql import SQLExecuteQueryOperator
from taskloom.operators.sql import SQLValueCheckOperator
from taskloom.providers.duckdb.hooks.duckdb import IN_MEMORY
from taskloom.providers.duckdb.hooks.duckdb import DuckDBHook

CONN_ID = "duckdb_default"
#: The orders file shipped as package data: 16 orders over 6 days, 13 of them shipped.
ORDERS_CSV = resources.files("taskloom.providers.duckdb.example_dags") / "data" / "orders.csv"
#: Days with at least one shipped order in ``orders.csv``.
EXPECTED_DAYS = 6


def extract_orders() -> int:
    """Load ``orders.csv`` into ``raw_orders`` and return how many rows it holds."""
    hook = DuckDBHook(duckdb_conn_id=CONN_ID)
    if hook.database == IN_MEMORY:
        raise ValueError(
            f"connection {CONN_ID!r} opens an in-memory database, which each task would see "
            "empty; point it at a file, e.g. TASKLOOM_CONN_DUCKDB_DEFAULT="
            '\'{"conn_type": "duckdb", "extra": {"path": "/tmp/etl.duckdb"}}\''
        )
    with resources.as_file(ORDERS_CSV) as csv_path:
        hook.run(
            "CREATE OR REPLACE TABLE raw_orders AS "
            "SELECT * FROM read_csv(?, header = true, dateformat = '%Y-%m-%d')",
            parameters=[str(csv_path)],
        )
    row = hook.get_first("SELECT count(*) FROM raw_orders")
    count = int(row[0]) if row else 0
    print(f"extracted {count} orders from {ORDERS_CSV.name} into {hook.database}")
    return count


TRANSFORM_SQL = """
CREATE OR REPLACE TABLE orders_clean AS
SELECT
    order_id,
    CAST(order_date AS DATE) AS order_date,
    lower(customer) AS customer,
    product,
    quantity,
    CAST(quantity * unit_price AS DECIMAL(12, 2)) AS revenue
FROM raw_orders
WHERE status = 'shipped' AND quantity > 0
"""

LOAD_SQL = """
CREATE OR REPLACE TABLE daily_revenue AS
SELECT
    order_date,
    count(*) AS orders,
    sum(quantity) AS items,
    sum(revenue) AS revenue,
    '{{ run_id }}' AS loaded_by_run
FROM orders_clean
GROUP BY order_date
ORDER BY order_date
"""


def summarize() -> dict[str, Any]:
    """Log ``daily_revenue`` as a table and return totals (pushed to XCom)."""
    hook = DuckDBHook(duckdb_conn_id=CONN_ID)
    rows = hook.get_records(
        "SELECT order_date, orders, items, revenue FROM daily_revenue ORDER BY order_date"
    )
    lines = [f"{'day':<10}  {'orders':>6}  {'items':>5}  {'revenue':>9}"]
    lines += [
        f"{day!s:<10}  {orders:>6}  {items:>5}  {revenue:>9.2f}"
        for day, orders, items, revenue in rows
    ]
    total = sum(row[3] for row in rows)
    lines.append(
        f"{'total':<10}  {sum(r[1] for r in rows):>6}  {sum(r[2] for r in rows):>5}  {total:>9.2f}"
    )
    print("daily revenue:", *lines, sep="\n")
    best = max(rows, key=lambda row: row[3])
    return {
        "days": len(rows),
        "orders_shipped": sum(int(row[1]) for row in rows),
        "revenue": float(total),
        "best_day": str(best[0]),
    }


with DAG(
    dag_id="example_duckdb_etl",
    description="Extract a CSV, transform and load it in DuckDB, check and summarize the result.",
    schedule=None,
    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    catchup=False,
    tags=["example", "duckdb"],
    doc_md=__doc__,
) as dag:
    extract = PythonOperator(task_id="extract_orders", python_callable=extract_orders)
    transform = SQLExecuteQueryOperator(
        task_id="transform_orders", conn_id=CONN_ID, sql=TRANSFORM_SQL
    )
    load = SQLExecuteQueryOperator(task_id="load_daily_revenue", conn_id=CONN_ID, sql=LOAD_SQL)
    check = SQLValueCheckOperator(
        task_id="check_daily_revenue",
        conn_id=CONN_ID,
        sql="SELECT count(*) FROM daily_revenue",
        pass_value=EXPECTED_DAYS,
    )
    report = PythonOperator(task_id="summarize", python_callable=summarize)

    extract >> transform >> load >> check >> report
