"""``DbApiHook``: a complete SQL hook on top of any PEP 249 (DB-API 2) driver.

A provider writes only :meth:`DbApiHook.get_conn` (open a driver connection from
:attr:`DbApiHook.connection`) and sets the class attributes that describe its SQL
dialect; everything else -- queries, multi-statement scripts, parameters, autocommit,
batched inserts, data frames, ``test_connection`` -- comes from here::

    class DuckDBHook(DbApiHook):
        conn_name_attr = "duckdb_conn_id"
        default_conn_name = "duckdb_default"
        conn_type = "duckdb"
        hook_name = "DuckDB"
        placeholder = "?"                 # the driver's paramstyle
        supports_executemany = True

        def get_conn(self) -> duckdb.DuckDBPyConnection:
            return duckdb.connect(self.connection.host or ":memory:")

Every method opens its own driver connection and closes it before returning (also on
error), so a hook never leaks connections; :meth:`DbApiHook.get_cursor` returns a
cursor that closes its connection when it is closed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import closing
from contextlib import contextmanager
from typing import Any
from typing import ClassVar
from typing import Literal

from taskloom.exceptions import OptionalDependencyError
from taskloom.hooks.base import BaseHook
from taskloom.models.connection import Connection
from taskloom.utils.secrets_masker import redact

__all__ = [
    "DbApiHook",
    "fetch_all_handler",
    "fetch_one_handler",
    "return_single_query_results",
]

#: SQL parameters: positional (a sequence) or named (a mapping), as the driver's paramstyle wants.
Parameters = Sequence[Any] | Mapping[str, Any]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def fetch_all_handler(cursor: Any) -> list[Any] | None:
    """Return all rows of the last statement, or ``None`` if it returns no rows (DDL, INSERT)."""
    if cursor.description is None:
        return None
    return list(cursor.fetchall())


def fetch_one_handler(cursor: Any) -> Any:
    """Return the first row of the last statement, or ``None`` if it returns no rows."""
    if cursor.description is None:
        return None
    return cursor.fetchone()


def return_single_query_results(
    sql: str | Iterable[str], return_last: bool, split_statements: bool | None
) -> bool:
    """Whether :meth:`DbApiHook.run` returns one result rather than a list of results.

    A single string that is not split, or a split string with ``return_last``, gives
    one result; a list of statements gives one result per statement.
    """
    return isinstance(sql, str) and (return_last or not split_statements)


def split_sql_string(sql: str) -> list[str]:
    """Split a SQL script on ``;`` into statements, without the ``;``.

    Semicolons inside quotes (``'...'``, ``"..."``, backticks), dollar quotes
    (``$$...$$``, ``$tag$...$tag$``) and comments (``-- ...``, ``/* ... */``) do not
    split.  Statements that hold only whitespace and comments are dropped.
    """
    statements: list[str] = []
    current: list[str] = []
    meaningful = False
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char in "'\"`":
            end = i + 1
            while end < n:
                if sql[end] == char:
                    if end + 1 < n and sql[end + 1] == char:  # doubled quote: an escaped quote
                        end += 2
                        continue
                    break
                end += 1
            current.append(sql[i : end + 1])
            meaningful = True
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            current.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end == -1 else end + 2
            current.append(sql[i:end])
            i = end
        elif char == "$" and (match := re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", sql[i:])):
            tag = match.group(0)
            end = sql.find(tag, i + len(tag))
            end = n if end == -1 else end + len(tag)
            current.append(sql[i:end])
            meaningful = True
            i = end
        elif char == ";":
            if meaningful:
                statements.append("".join(current).strip())
            current, meaningful = [], False
            i += 1
        else:
            current.append(char)
            meaningful = meaningful or not char.isspace()
            i += 1
    if meaningful:
        statements.append("".join(current).strip())
    return statements


class _ClosingCursor:
    """A DB-API cursor that also closes its connection when it is closed (or used in ``with``)."""

    def __init__(self, connection: Any, cursor: Any) -> None:
        self._connection = connection
        self._cursor = cursor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)

    def close(self) -> None:
        """Close the cursor, then its connection."""
        try:
            self._cursor.close()
        finally:
            self._connection.close()

    def __enter__(self) -> _ClosingCursor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class DbApiHook(BaseHook):
    """Base class of SQL hooks over a DB-API 2 driver.

    :param args: the connection id may be given positionally, as in Airflow.
    :param schema: the database (schema) to use instead of the connection's.
    :param log_sql: log each statement before running it (at INFO level).
    :param kwargs: the connection id under the class's :attr:`conn_name_attr`.
    """

    #: Name of the constructor argument that holds the connection id.
    conn_name_attr: ClassVar[str] = "conn_id"
    #: Connection id used when the caller gives none.
    default_conn_name: ClassVar[str] = "default_conn_id"
    #: Whether the driver's connections have an ``autocommit`` switch.
    supports_autocommit: ClassVar[bool] = False
    #: Whether :meth:`insert_rows` may send each batch with one ``executemany``.
    supports_executemany: ClassVar[bool] = False
    #: The driver's parameter placeholder (``%s`` for ``format``, ``?`` for ``qmark``).
    placeholder: ClassVar[str] = "%s"
    #: How an identifier is quoted when it must be (a reserved word, special characters).
    escape_word_format: ClassVar[str] = '"{}"'
    #: Lower-cased words that must be quoted as identifiers.
    reserved_words: ClassVar[frozenset[str]] = frozenset(
        {
            "select",
            "from",
            "where",
            "table",
            "order",
            "group",
            "user",
            "index",
            "key",
            "value",
            "values",
        }
    )
    #: The statement :meth:`insert_rows` uses with ``replace=True``: table, columns, placeholders.
    replace_statement_format: ClassVar[str] = "REPLACE INTO {} {} VALUES ({})"
    #: The URI scheme :meth:`get_uri` writes (SQLAlchemy's dialect name); default: the conn_type.
    uri_scheme: ClassVar[str | None] = None
    #: The query :meth:`test_connection` runs.
    test_connection_sql: ClassVar[str] = "SELECT 1"

    def __init__(
        self, *args: str, schema: str | None = None, log_sql: bool = True, **kwargs: Any
    ) -> None:
        logger_name = kwargs.pop("logger_name", None)
        if len(args) > 1:
            raise TypeError(
                f"{type(self).__name__}() takes at most one positional argument (the connection id)"
            )
        conn_id = args[0] if args else kwargs.pop(self.conn_name_attr, None)
        super().__init__(logger_name=logger_name, **kwargs)
        setattr(self, self.conn_name_attr, conn_id or self.default_conn_name)
        #: The database (schema) to use instead of the connection's, if given.
        self.schema = schema
        #: Whether statements are logged before they run.
        self.log_sql = log_sql
        #: ``cursor.description`` of each statement of the last :meth:`run` that had a handler.
        self.descriptions: list[Sequence[Sequence[Any]] | None] = []
        self._connection: Connection | None = None

    # --- the connection ------------------------------------------------------------------

    def get_conn_id(self) -> str:
        """The connection id this hook uses."""
        return str(getattr(self, self.conn_name_attr))

    @property
    def connection(self) -> Connection:
        """The :class:`Connection` this hook uses (looked up once, on first use)."""
        if self._connection is None:
            self._connection = self.get_connection(self.get_conn_id())
        return self._connection

    @connection.setter
    def connection(self, value: Connection) -> None:
        self._connection = value

    def get_conn(self) -> Any:
        """Open and return a new DB-API connection; every provider implements this."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement get_conn() to open a DB-API connection"
        )

    @contextmanager
    def connection_context(self, autocommit: bool = False) -> Iterator[Any]:
        """Open a driver connection with the given autocommit mode and close it on exit.

        Use it when a task needs several statements on one connection::

            with hook.connection_context() as conn:
                with closing(conn.cursor()) as cur:
                    ...
                conn.commit()
        """
        conn = self.get_conn()
        try:
            if self.supports_autocommit:
                self.set_autocommit(conn, autocommit)
            yield conn
        finally:
            conn.close()

    def get_cursor(self) -> Any:
        """Return a cursor on a new connection; closing the cursor closes the connection.

        Prefer ``with hook.get_cursor() as cur:`` so both are closed even on error.
        """
        conn = self.get_conn()
        try:
            return _ClosingCursor(conn, conn.cursor())
        except BaseException:
            conn.close()
            raise

    def set_autocommit(self, conn: Any, autocommit: bool) -> None:
        """Switch the driver connection's autocommit mode (drivers differ: override this)."""
        if not self.supports_autocommit and autocommit:
            self.log.warning(
                "%s connections do not support autocommit; running in a transaction", self.hook_name
            )
            return
        if self.supports_autocommit:
            conn.autocommit = autocommit

    def get_autocommit(self, conn: Any) -> bool:
        """Whether the driver connection commits each statement by itself."""
        return bool(getattr(conn, "autocommit", False)) and self.supports_autocommit

    def get_uri(self) -> str:
        """The connection as a URI (SQLAlchemy style), with the hook's ``schema`` if one was given."""
        connection = self.connection
        fields = connection.to_dict()
        if self.schema:
            fields["schema"] = self.schema
        uri = Connection.from_dict(fields).get_uri()
        if self.uri_scheme:
            uri = self.uri_scheme + uri[uri.index("://") :]
        return uri

    # --- SQL dialect -----------------------------------------------------------------------

    def quote_identifier(self, name: str) -> str:
        """Quote a table or column name if it is a reserved word or not a plain identifier."""
        if _IDENTIFIER.match(name) and name.lower() not in self.reserved_words:
            return name
        quote_char = self.escape_word_format[0]
        return self.escape_word_format.format(name.replace(quote_char, quote_char * 2))

    @staticmethod
    def split_sql_string(sql: str) -> list[str]:
        """Split a script into statements; see :func:`split_sql_string`."""
        return split_sql_string(sql)

    @staticmethod
    def strip_sql_string(sql: str) -> str:
        """Remove surrounding whitespace and a trailing ``;`` (some drivers reject it)."""
        return sql.strip().rstrip(";").strip()

    def _generate_insert_sql(
        self, table: str, values: Sequence[Any], target_fields: Sequence[str] | None, replace: bool
    ) -> str:
        """Build the INSERT (or :attr:`replace_statement_format`) statement for one row's values.

        Providers whose "replace" is not ``REPLACE INTO`` (PostgreSQL's ``ON CONFLICT``)
        override this.
        """
        placeholders = ", ".join([self.placeholder] * len(values))
        columns = (
            f"({', '.join(self.quote_identifier(f) for f in target_fields)})"
            if target_fields
            else ""
        )
        if replace:
            return self.replace_statement_format.format(table, columns, placeholders)
        return f"INSERT INTO {table} {columns} VALUES ({placeholders})"

    def _serialize_cell(self, cell: Any, conn: Any = None) -> Any:
        """Convert one value before it is sent as a parameter; the driver's adapters do the rest."""
        return cell

    def _make_common_data_structure(self, result: Any) -> Any:
        """Turn driver row objects into plain tuples, so results are the same on every driver."""
        if isinstance(result, list):
            return [self._make_row(row) for row in result]
        return self._make_row(result)

    @staticmethod
    def _make_row(row: Any) -> Any:
        if row is None or isinstance(row, tuple):
            return row
        if isinstance(row, (list, Sequence)) and not isinstance(row, (str, bytes)):
            return tuple(row)
        try:
            return tuple(row)
        except TypeError:
            return row

    # --- running SQL -------------------------------------------------------------------------

    def _run_command(self, cursor: Any, sql: str, parameters: Parameters | None) -> None:
        if self.log_sql:
            self.log.info("running statement: %s, parameters: %s", sql, redact(parameters))
        if parameters:
            cursor.execute(sql, parameters)
        else:
            cursor.execute(sql)
        if getattr(cursor, "rowcount", -1) >= 0:
            self.log.info("rows affected: %s", cursor.rowcount)

    def run(
        self,
        sql: str | Iterable[str],
        autocommit: bool = False,
        parameters: Parameters | None = None,
        handler: Callable[[Any], Any] | None = None,
        split_statements: bool = False,
        return_last: bool = True,
    ) -> Any:
        """Run one statement, a script, or a list of statements, in one connection.

        :param sql: a statement, a script (with ``split_statements``) or a list of statements.
        :param autocommit: commit each statement by itself (drivers that support it);
            otherwise all statements run in one transaction, committed at the end and
            rolled back if one fails.
        :param parameters: bound to every statement.
        :param handler: called with the cursor after each statement (e.g.
            :func:`fetch_all_handler`); its results are returned.
        :param split_statements: split a string on ``;`` (see :func:`split_sql_string`).
        :param return_last: with a split string, return only the last statement's result.
        :returns: ``None`` without a handler; otherwise the handler's result, or a list
            of them (see :func:`return_single_query_results`).
        :raises ValueError: if there is no statement to run.
        """
        if isinstance(sql, str):
            statements = (
                self.split_sql_string(sql) if split_statements else ([sql] if sql.strip() else [])
            )
        else:
            statements = [s for s in sql if s.strip()]
        if not statements:
            raise ValueError("no SQL statement to run: the sql is empty (or holds only comments)")
        single = return_single_query_results(sql, return_last, split_statements)
        results: list[Any] = []
        self.descriptions = []
        with self.connection_context(autocommit) as conn:
            try:
                with closing(conn.cursor()) as cursor:
                    for statement in statements:
                        self._run_command(cursor, statement, parameters)
                        if handler is not None:
                            results.append(self._make_common_data_structure(handler(cursor)))
                            self.descriptions.append(cursor.description)
                if not self.get_autocommit(conn):
                    conn.commit()
            except BaseException:
                if not self.get_autocommit(conn):
                    conn.rollback()
                raise
        if handler is None:
            return None
        if single:
            self.descriptions = self.descriptions[-1:]
            return results[-1]
        return results

    def get_records(self, sql: str | Iterable[str], parameters: Parameters | None = None) -> Any:
        """Run ``sql`` and return all rows as a list of tuples."""
        return self.run(sql=sql, parameters=parameters, handler=fetch_all_handler)

    def get_first(self, sql: str | Iterable[str], parameters: Parameters | None = None) -> Any:
        """Run ``sql`` and return its first row as a tuple (``None`` if there is none)."""
        return self.run(sql=sql, parameters=parameters, handler=fetch_one_handler)

    def insert_rows(
        self,
        table: str,
        rows: Iterable[Sequence[Any]],
        target_fields: Sequence[str] | None = None,
        commit_every: int = 1000,
        replace: bool = False,
        *,
        executemany: bool | None = None,
    ) -> int:
        """Insert rows, committing every ``commit_every`` rows; return how many were inserted.

        :param table: the table name, as written in SQL (quote it yourself if needed).
        :param target_fields: the column names (quoted when needed); default: all, in order.
        :param commit_every: rows per transaction (and per ``executemany`` batch); 0
            commits once at the end.
        :param replace: use :attr:`replace_statement_format` to overwrite rows with the same key.
        :param executemany: send each batch with one ``executemany``; default:
            :attr:`supports_executemany`.
        """
        if commit_every < 0:
            raise ValueError(f"commit_every must be 0 or more, got {commit_every}")
        use_executemany = self.supports_executemany if executemany is None else executemany
        inserted = 0
        with self.connection_context(autocommit=False) as conn, closing(conn.cursor()) as cursor:
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(tuple(self._serialize_cell(cell, conn) for cell in row))
                if commit_every and len(batch) >= commit_every:
                    inserted += self._insert_batch(
                        conn, cursor, table, batch, target_fields, replace, use_executemany
                    )
                    batch = []
            if batch:
                inserted += self._insert_batch(
                    conn, cursor, table, batch, target_fields, replace, use_executemany
                )
        self.log.info("inserted %d rows into %s", inserted, table)
        return inserted

    def _insert_batch(
        self,
        conn: Any,
        cursor: Any,
        table: str,
        batch: list[tuple[Any, ...]],
        target_fields: Sequence[str] | None,
        replace: bool,
        use_executemany: bool,
    ) -> int:
        sql = self._generate_insert_sql(table, batch[0], target_fields, replace)
        try:
            if use_executemany:
                cursor.executemany(sql, batch)
            else:
                for values in batch:
                    cursor.execute(sql, values)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        self.log.debug("committed %d rows into %s", len(batch), table)
        return len(batch)

    def test_connection(self) -> tuple[bool, str]:
        """Run :attr:`test_connection_sql`; return ``(True, ...)`` if it works, else the error."""
        try:
            self.get_first(self.test_connection_sql)
        except Exception as exc:  # noqa: BLE001 -- any failure is the answer, reported not raised
            return False, f"{type(exc).__name__}: {redact(str(exc))}"
        return (
            True,
            f"connection {self.get_conn_id()!r} works ({self.test_connection_sql} succeeded)",
        )

    # --- data frames ---------------------------------------------------------------------------

    def _query_columns_and_rows(
        self, sql: str, parameters: Parameters | None
    ) -> tuple[list[str], list[Any]]:
        with self.connection_context() as conn, closing(conn.cursor()) as cursor:
            self._run_command(cursor, sql, parameters)
            if cursor.description is None:
                raise ValueError(
                    "the query returned no result set, so there is no data frame to build"
                )
            columns = [column[0] for column in cursor.description]
            rows = [self._make_row(row) for row in cursor.fetchall()]
        return columns, rows

    def get_df(
        self,
        sql: str,
        parameters: Parameters | None = None,
        *,
        df_type: Literal["pandas", "polars"] = "pandas",
    ) -> Any:
        """Run a query and return its result as a pandas or polars data frame.

        Works on every driver (the rows are fetched through the DB-API cursor), and needs
        only the chosen library.

        :raises OptionalDependencyError: naming the package to install if it is missing.
        :raises ValueError: for another ``df_type``.
        """
        if df_type == "pandas":
            pandas = _import_optional("pandas", "get_df(df_type='pandas')")
            columns, rows = self._query_columns_and_rows(sql, parameters)
            return pandas.DataFrame.from_records(rows, columns=columns)
        if df_type == "polars":
            polars = _import_optional("polars", "get_df(df_type='polars')")
            columns, rows = self._query_columns_and_rows(sql, parameters)
            return polars.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)
        raise ValueError(f"df_type must be 'pandas' or 'polars', got {df_type!r}")

    def get_pandas_df(self, sql: str, parameters: Parameters | None = None) -> Any:
        """Run a query and return a pandas ``DataFrame`` (needs ``pandas``)."""
        return self.get_df(sql, parameters, df_type="pandas")

    def get_polars_df(self, sql: str, parameters: Parameters | None = None) -> Any:
        """Run a query and return a polars ``DataFrame`` (needs ``polars``)."""
        return self.get_df(sql, parameters, df_type="polars")


def _import_optional(module: str, feature: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise OptionalDependencyError(
            f"{feature} needs the {module!r} package, which is not installed; install it with `pip install {module}`"
        ) from None
