"""``PostgresOperator``: the familiar Airflow name for SQL on a PostgreSQL connection."""

from __future__ import annotations

from typing import Any

from taskloom.operators.sql import SQLExecuteQueryOperator


class PostgresOperator(SQLExecuteQueryOperator):
    """Run SQL (a string, a list of statements, or a ``.sql`` file) on PostgreSQL.

    Everything :class:`~taskloom.operators.sql.SQLExecuteQueryOperator` offers
    (templated ``sql`` and ``parameters``, ``autocommit``, ``handler``,
    ``split_statements``, results through XCom) works unchanged; this class keeps DAGs
    written for Airflow's ``PostgresOperator`` running by accepting its argument names.

    :param postgres_conn_id: id of the ``postgres`` connection, default ``postgres_default``.
    :param database: a database to use instead of the connection's schema.
    """

    def __init__(
        self,
        *,
        postgres_conn_id: str = "postgres_default",
        database: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(conn_id=postgres_conn_id, database=database, **kwargs)
