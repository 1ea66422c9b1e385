"""The DuckDB hook: SQL on an embedded DuckDB database, a file or in memory."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any
from typing import Literal

import duckdb
from taskloom.exceptions import InvalidConnectionError
from taskloom.exceptions import OptionalDependencyError
from taskloom.hooks.dbapi import DbApiHook
from taskloom.hooks.dbapi import Parameters
from taskloom.providers.duckdb.dbapi import DuckDBConnection

#: The database name DuckDB reads as "a new database in this process's memory".
IN_MEMORY = ":memory:"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class DuckDBHook(DbApiHook):
    """Run SQL on a DuckDB database named by a ``duckdb`` connection.

    The database file comes from the connection's extra ``path``, else its host, else its
    schema (the path part of a ``duckdb://`` URI); when all three are empty the database
    lives in memory and disappears with the connection that opened it, so tasks that must
    share tables need a file.  The extra ``read_only`` opens the file without taking
    DuckDB's single-writer lock, so many processes can read it at once; the extra
    ``config`` is a JSON object of DuckDB settings (``{"threads": 2}``) passed to
    :func:`duckdb.connect`.

    :param duckdb_conn_id: id of the connection to use, default ``duckdb_default``.
    """

    conn_name_attr = "duckdb_conn_id"
    default_conn_name = "duckdb_default"
    conn_type = "duckdb"
    hook_name = "DuckDB"
    placeholder = "?"
    supports_executemany = True
    replace_statement_format = "INSERT OR REPLACE INTO {} {} VALUES ({})"
    # DuckDBConnection keeps PEP 249 transactions, with an autocommit switch.
    supports_autocommit = True

    @property
    def database(self) -> str:
        """The database DuckDB opens: a file path, or ``:memory:``."""
        conn = self.connection
        path = conn.extra_dejson.get("path") or conn.host or conn.schema
        return str(path) if path else IN_MEMORY

    def _read_only(self, extra: dict[str, Any]) -> bool:
        value = extra.get("read_only", False)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise InvalidConnectionError(
            f"extra 'read_only' must be true or false, got {value!r}; fix the connection's extra",
            conn_id=self.get_conn_id(),
        )

    def _config(self, extra: dict[str, Any]) -> dict[str, Any]:
        value = extra.get("config") or {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                value = None
        if not isinstance(value, dict):
            raise InvalidConnectionError(
                "extra 'config' must be a JSON object of DuckDB settings such as "
                '{"threads": 2}; fix the connection\'s extra',
                conn_id=self.get_conn_id(),
            )
        return value

    def get_conn(self) -> DuckDBConnection:
        """Open the connection's database; the caller closes it.

        The result follows PEP 249 (statements run in a transaction until ``commit``); its
        attribute ``duckdb`` is DuckDB's own connection, and DuckDB's methods (``sql``,
        ``read_csv``...) are reachable on it directly.

        A writable file's parent folder is created when missing, so a fresh
        ``$TASKLOOM_HOME`` works without setup.

        :raises InvalidConnectionError: the connection's extras cannot be used, or the
            read-only database file does not exist.
        """
        extra = self.connection.extra_dejson
        read_only = self._read_only(extra)
        config = self._config(extra)
        database = self.database
        if database != IN_MEMORY:
            path = Path(database).expanduser()
            if read_only and not path.exists():
                raise InvalidConnectionError(
                    f"the DuckDB file {str(path)!r} does not exist and 'read_only' is set; "
                    "create it first or drop 'read_only'",
                    conn_id=self.get_conn_id(),
                )
            path.parent.mkdir(parents=True, exist_ok=True)
            database = str(path)
        return DuckDBConnection(duckdb.connect(database, read_only=read_only, config=config))

    def get_uri(self) -> str:
        """The SQLAlchemy URI of the database (as ``duckdb_engine`` reads it)."""
        return f"duckdb:///{self.database}"

    def get_df(
        self,
        sql: str,
        parameters: Parameters | None = None,
        *,
        df_type: Literal["pandas", "polars"] = "pandas",
    ) -> Any:
        """Run ``sql`` and return its result as a data frame built by DuckDB itself.

        DuckDB converts whole columns at once (through Arrow for polars), much faster than
        building a frame row by row from a cursor.

        :param df_type: ``"pandas"`` or ``"polars"``; that library must be installed.
        :raises OptionalDependencyError: the library is not installed (names the package).
        :raises ValueError: ``df_type`` is neither.
        """
        if df_type not in {"pandas", "polars"}:
            raise ValueError(f"df_type must be 'pandas' or 'polars', got {df_type!r}.")
        _require(df_type)
        with self.get_conn() as conn:
            relation = conn.duckdb.sql(sql, params=parameters or None)
            if relation is None:  # DuckDB before 1.2 returns no relation for a statement
                raise ValueError("get_df needs a query that returns rows (SELECT, VALUES, ...).")
            return relation.pl() if df_type == "polars" else relation.df()


def _require(df_type: str) -> None:
    needed = ["polars", "pyarrow"] if df_type == "polars" else ["pandas", "numpy"]
    missing = [name for name in needed if importlib.util.find_spec(name) is None]
    if missing:
        raise OptionalDependencyError(
            f"a {df_type} data frame needs {', '.join(missing)}; install it with "
            f"`pip install 'taskloom-provider-duckdb[{df_type}]'`."
        )
