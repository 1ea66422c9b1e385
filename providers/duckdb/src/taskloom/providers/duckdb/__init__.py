"""DuckDB for taskloom: SQL on an embedded analytical database, no server to run.

Usage
-----

Install ``taskloom-provider-duckdb`` (``pip install "taskloom[duckdb]"``), add a ``duckdb``
connection, and use :class:`~taskloom.providers.duckdb.hooks.duckdb.DuckDBHook` in a task,
or core's SQL operators with ``conn_id``::

    from taskloom.operators.sql import SQLExecuteQueryOperator
    from taskloom.providers.duckdb.hooks.duckdb import DuckDBHook

    SQLExecuteQueryOperator(task_id="load", conn_id="duckdb_default",
                            sql="CREATE OR REPLACE TABLE t AS SELECT 42 AS answer")
    DuckDBHook().get_records("SELECT * FROM t")           # [(42,)]
    DuckDBHook().get_df("SELECT * FROM t", df_type="polars")

Configuration
-------------

A ``duckdb`` connection names the database file in its extra ``path``, its host or its
schema (first non-empty wins); with none of them the database lives in memory and is gone
when the connection closes. Extras: ``read_only`` (open without the single-writer lock, so
many processes can read at once) and ``config`` (a JSON object of DuckDB settings, such as
``{"threads": 2, "memory_limit": "1GB"}``).

Environment variables
---------------------

``TASKLOOM_CONN_DUCKDB_DEFAULT`` holds the default connection as a URI or JSON, e.g.
``{"conn_type": "duckdb", "extra": {"path": "/data/warehouse.duckdb"}}``.

Data frames need ``pandas`` or ``polars`` (extras ``[pandas]`` and ``[polars]``). The example
DAG ``example_duckdb_etl`` (in ``example_dags/``) runs a whole ETL on this connection.
"""
