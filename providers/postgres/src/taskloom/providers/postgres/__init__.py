"""PostgreSQL for taskloom, through psycopg 3.

Usage
-----

A ``postgres`` connection (default id ``postgres_default``) names the server: host, port,
schema (the database), login and password, plus libpq parameters in its extra::

    export TASKLOOM_CONN_POSTGRES_DEFAULT='postgres://etl:secret@db.example.com:5432/warehouse?sslmode=require'

:class:`~taskloom.providers.postgres.hooks.postgres.PostgresHook` runs SQL on it (everything
``DbApiHook`` offers) and adds ``COPY`` (``insert_rows(use_copy=True)``, ``copy_expert``,
``bulk_load``, ``bulk_dump``), upserts (``insert_rows(replace=True, replace_index=...)``),
server-side cursors (``iter_records``, ``get_records_chunked``), ``get_conn(autocommit=True)``
and a SQLAlchemy-style ``get_uri()``::

    from taskloom.providers.postgres.hooks.postgres import PostgresHook

    hook = PostgresHook(postgres_conn_id="postgres_default")
    hook.insert_rows("cities", rows, target_fields=["name", "population"], use_copy=True)
    for row in hook.iter_records("SELECT * FROM cities", chunk_size=5000):
        ...

:class:`~taskloom.providers.postgres.operators.postgres.PostgresOperator` is core's
``SQLExecuteQueryOperator`` with the familiar ``postgres_conn_id`` and ``database``
arguments::

    PostgresOperator(task_id="vacuum", sql="VACUUM ANALYZE cities", autocommit=True)

Configuration
-------------

Extra fields: ``sslmode`` (``disable`` ... ``verify-full``, default ``prefer``),
``sslcert``, ``sslkey``, ``sslkey_password`` (secret: masked like the password),
``sslrootcert``, ``connect_timeout`` (seconds), ``application_name`` and ``options``
(server settings, ``-c search_path=sales``). Other libpq parameters pass through; unknown
names are refused with an error that names them. The metadata (fields, defaults, secrets) is in ``provider.json``.

Environment variables
---------------------

``TASKLOOM_CONN_<CONN_ID>`` defines a connection as a URI or a JSON object (core's
lookup). The libpq variables (``PGHOST``, ``PGSSLMODE``, ...) fill in what a connection
leaves empty, as in any libpq program.

This module imports nothing: the hook and the operator load psycopg only when imported.
"""
