"""The PostgreSQL hook: SQL, COPY and server-side cursors through psycopg 3."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from typing import Final
from urllib.parse import quote
from urllib.parse import urlencode

import psycopg

from taskloom.hooks.dbapi import DbApiHook
from taskloom.providers.postgres.hooks.conninfo import libpq_params
from taskloom.utils.secrets_masker import redact

#: Rows a server-side cursor fetches per round trip unless told otherwise.
DEFAULT_CHUNK_SIZE: Final = 2000
#: Bytes read from a file per COPY ... FROM STDIN message.
COPY_BLOCK_SIZE: Final = 1 << 16


class PostgresHook(DbApiHook):
    """Run SQL on PostgreSQL through psycopg 3, with COPY and server-side cursors.

    Host, port, login, password and schema (the database) come from the connection; its
    extra adds libpq parameters such as ``sslmode``, ``sslcert``, ``sslkey``,
    ``sslrootcert``, ``connect_timeout``, ``application_name`` and ``options``, plus
    ``sslkey_password`` (libpq's ``sslpassword``, masked as a secret).

    Table names are used as written in SQL (``sales.orders``; quote mixed-case names
    yourself); column names are quoted when they need it, as in every ``DbApiHook``.

    :param postgres_conn_id: id of the connection to use, default ``postgres_default``.
    :param database: a database to use instead of the connection's schema (Airflow's
        name for the ``schema`` argument every ``DbApiHook`` takes; either works).
    """

    conn_name_attr = "postgres_conn_id"
    default_conn_name = "postgres_default"
    conn_type = "postgres"
    hook_name = "PostgreSQL"
    supports_autocommit = True
    supports_executemany = True
    placeholder = "%s"
    uri_scheme = "postgresql"
    test_connection_sql = "SHOW server_version"

    def __init__(self, *args: str, database: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The database to use instead of the connection's schema, if given.
        self.database = database or self.schema

    # --- connecting --------------------------------------------------------------------

    def _connect_params(self) -> dict[str, Any]:
        """Keyword arguments for :func:`psycopg.connect` (they hold the password)."""
        conn = self.connection
        params: dict[str, Any] = {
            "host": conn.host,
            "port": conn.port,
            "user": conn.login,
            "password": conn.password,
            "dbname": self.database or conn.schema,
        }
        params = {key: value for key, value in params.items() if value is not None}
        params.update(libpq_params(self.get_conn_id(), conn.extra_dejson))
        return params

    def get_conn(self, *, autocommit: bool = False) -> psycopg.Connection[Any]:
        """Open a new connection; the caller closes it (``with hook.get_conn() as conn:``).

        :param autocommit: commit every statement as it runs (needed for statements such
            as ``CREATE DATABASE`` or ``VACUUM`` that refuse to run in a transaction).
        :raises psycopg.OperationalError: the server is unreachable or refused the login;
            a note on the error names the connection to fix.
        """
        params = self._connect_params()
        try:
            return psycopg.connect(autocommit=autocommit, **params)
        except psycopg.OperationalError as exc:
            # libpq's message names host, port and user, never the password.
            exc.add_note(
                f"taskloom: check host, port, login, password and SSL settings of "
                f"connection {self.get_conn_id()!r}."
            )
            raise

    def get_uri(self) -> str:
        """A SQLAlchemy-style ``postgresql://`` URI, every part percent-encoded.

        libpq parameters from the extra (``sslmode``, ...) become query parameters under
        their libpq names (``sslkey_password`` is written ``sslpassword``), so SQLAlchemy
        and psycopg read them as they are.
        """
        conn = self.connection
        userinfo = ""
        if conn.login is not None:
            userinfo = quote(conn.login, safe="")
            if conn.password is not None:
                userinfo += ":" + quote(conn.password, safe="")
            userinfo += "@"
        host = conn.host or ""
        if ":" in host:  # an IPv6 address
            host = f"[{host}]"
        port = f":{conn.port}" if conn.port else ""
        database = quote(self.database or conn.schema or "", safe="")
        query = urlencode(libpq_params(self.get_conn_id(), conn.extra_dejson), quote_via=quote)
        return f"postgresql://{userinfo}{host}{port}/{database}" + (f"?{query}" if query else "")

    # --- rows in -----------------------------------------------------------------------

    def insert_rows(
        self,
        table: str,
        rows: Iterable[Sequence[Any]],
        target_fields: Sequence[str] | None = None,
        commit_every: int = 1000,
        replace: bool = False,
        *,
        executemany: bool | None = None,
        replace_index: str | Sequence[str] | None = None,
        use_copy: bool = False,
    ) -> int:
        """Insert ``rows`` into ``table``: pipelined ``executemany`` per batch, or COPY.

        :param target_fields: column names, in the order of each row's values (default:
            all columns, in the table's order).
        :param commit_every: rows per batch; each batch is committed, so a failure keeps
            the batches before it. ``0`` commits once at the end.
        :param replace: upsert with ``INSERT ... ON CONFLICT (replace_index) DO UPDATE``;
            needs ``target_fields`` and ``replace_index``.
        :param executemany: ``False`` sends one ``execute`` per row (slower; for
            statements psycopg cannot pipeline); default ``True``.
        :param replace_index: the column(s) of the unique index ``replace`` conflicts on.
        :param use_copy: stream the rows with ``COPY ... FROM STDIN``, the fastest way
            to load many rows (not combinable with ``replace``).
        :returns: the number of rows written.
        :raises ValueError: ``replace`` without ``target_fields``/``replace_index`` or
            with ``use_copy``; a negative ``commit_every``.
        """
        if commit_every < 0:
            raise ValueError(f"commit_every must be 0 or more, got {commit_every}")
        fields = list(target_fields) if target_fields else None
        if replace and use_copy:
            raise ValueError("insert_rows: replace=True cannot use COPY; drop use_copy=True.")
        if replace and (not fields or not replace_index):
            raise ValueError(
                "insert_rows(replace=True) needs target_fields (the columns) and replace_index "
                "(the column(s) of the unique index to conflict on)."
            )
        keys = [replace_index] if isinstance(replace_index, str) else list(replace_index or ())
        written = 0
        with self.connection_context() as conn, conn.cursor() as cur:
            for batch in _batches(rows, commit_every):
                if use_copy:
                    with cur.copy(f"COPY {table}{self._columns(fields)} FROM STDIN") as copy:
                        for row in batch:
                            copy.write_row(row)
                else:
                    statement = self._insert_sql(
                        table, len(batch[0]), fields, keys if replace else []
                    )
                    if executemany is False:
                        for row in batch:
                            cur.execute(statement, row)
                    else:
                        cur.executemany(statement, batch)
                conn.commit()
                written += len(batch)
                self.log.debug("%d rows committed into %s so far", written, table)
        self.log.info("inserted %d rows into %s%s", written, table, " (COPY)" if use_copy else "")
        return written

    def _columns(self, fields: Sequence[str] | None) -> str:
        """`` (a, "order")``: the column list, each name quoted when it needs it."""
        return f" ({', '.join(map(self.quote_identifier, fields))})" if fields else ""

    def _insert_sql(self, table: str, width: int, fields: list[str] | None, keys: list[str]) -> str:
        """``INSERT INTO table (fields) VALUES (%s, ...)``, an upsert on ``keys`` if any."""
        statement = (
            f"INSERT INTO {table}{self._columns(fields)} VALUES ({', '.join(['%s'] * width)})"
        )
        if not keys or not fields:
            return statement
        conflict = ", ".join(map(self.quote_identifier, keys))
        updates = [self.quote_identifier(f) for f in fields if f not in keys]
        if not updates:
            return f"{statement} ON CONFLICT ({conflict}) DO NOTHING"
        assignments = ", ".join(f"{col} = EXCLUDED.{col}" for col in updates)
        return f"{statement} ON CONFLICT ({conflict}) DO UPDATE SET {assignments}"

    # --- COPY --------------------------------------------------------------------------

    def copy_expert(self, sql: str, filename: str | Path) -> None:
        """Run a ``COPY ... FROM STDIN`` or ``COPY ... TO STDOUT`` statement with a file.

        The direction comes from the statement: ``FROM STDIN`` reads ``filename`` and
        sends it; ``TO STDOUT`` writes what the server sends into ``filename`` (created or
        truncated). Options such as ``WITH (FORMAT csv, HEADER)`` are the statement's.

        :raises FileNotFoundError: ``FROM STDIN`` and ``filename`` does not exist.
        :raises psycopg.ProgrammingError: the statement is not a ``COPY`` with the client
            (``COPY ... TO 'file'`` runs on the server: use ``run()`` for it).
        """
        path = Path(filename)
        with self.connection_context() as conn, conn.cursor() as cur:
            # psycopg itself refuses a statement that is not a COPY with the client.
            with cur.copy(sql) as copy:
                if (
                    cur.pgresult is not None
                    and cur.pgresult.status == psycopg.pq.ExecStatus.COPY_OUT
                ):
                    with path.open("wb") as out:
                        for block in copy:
                            out.write(block)
                else:
                    if not path.is_file():
                        raise FileNotFoundError(
                            f"copy_expert: {path} does not exist; COPY ... FROM STDIN reads it."
                        )
                    with path.open("rb") as source:
                        while block := source.read(COPY_BLOCK_SIZE):
                            copy.write(block)
            conn.commit()

    def bulk_load(self, table: str, tmp_file: str | Path) -> None:
        """Load a tab-separated file (PostgreSQL's COPY text format) into ``table``."""
        self.copy_expert(f"COPY {table} FROM STDIN", tmp_file)

    def bulk_dump(self, table: str, tmp_file: str | Path) -> None:
        """Write ``table`` to a tab-separated file (PostgreSQL's COPY text format)."""
        self.copy_expert(f"COPY {table} TO STDOUT", tmp_file)

    # --- rows out ----------------------------------------------------------------------

    def iter_records(
        self,
        sql: str,
        parameters: Sequence[Any] | dict[str, Any] | None = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> Iterator[Any]:
        """Yield the rows of a query through a server-side (named) cursor.

        The server keeps the result and sends ``chunk_size`` rows per round trip, so a
        result far larger than memory can be walked row by row. The connection stays
        open until the iteration ends (or the generator is closed).

        :param chunk_size: rows fetched per round trip.
        """
        for chunk in self.get_records_chunked(sql, parameters, chunk_size=chunk_size):
            yield from chunk

    def get_records_chunked(
        self,
        sql: str,
        parameters: Sequence[Any] | dict[str, Any] | None = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> Iterator[list[Any]]:
        """Yield the rows of a query in lists of at most ``chunk_size`` (server-side cursor)."""
        if chunk_size < 1:
            raise ValueError(
                f"get_records_chunked: chunk_size must be at least 1, got {chunk_size}."
            )
        name = f"taskloom_{uuid.uuid4().hex}"
        with self.connection_context() as conn, conn.cursor(name=name) as cur:
            if self.log_sql:
                self.log.info(
                    "running statement (server-side cursor): %s, parameters: %s",
                    sql,
                    redact(parameters),
                )
            cur.execute(sql, parameters)
            while chunk := cur.fetchmany(chunk_size):
                yield chunk

    # --- checks ------------------------------------------------------------------------

    def test_connection(self) -> tuple[bool, str]:
        """Log in and ask the server's version; never raises.

        :returns: ``(True, "Connection successfully tested: PostgreSQL <version>")`` or
            ``(False, <why>)``; the message never holds the password.
        """
        try:
            row = self.get_first(self.test_connection_sql)
        except Exception as exc:  # noqa: BLE001 -- a failed check is the answer, reported not raised
            return False, f"{type(exc).__name__}: {redact(str(exc))}"
        version = row[0] if row else "?"
        return True, f"Connection successfully tested: PostgreSQL {version}"


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    """Split ``rows`` into lists of ``size`` (all in one list when ``size`` is 0)."""
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if size and len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
